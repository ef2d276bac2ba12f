import { useEffect, useRef, useState } from 'react';

/**
 * `value`, but changing at most every `ms`: a fleet under load changes many times a second and
 * a table of every model need not re-render that often. The latest value always lands.
 */
export function useThrottled<T>(value: T, ms: number): T {
  const [out, setOut] = useState(value);
  const latest = useRef(value);
  latest.current = value;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastEmit = useRef(0);
  useEffect(() => {
    if (timer.current) return; // an update is scheduled and will pick up the latest value
    const wait = Math.max(0, lastEmit.current + ms - Date.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      lastEmit.current = Date.now();
      setOut(latest.current);
    }, wait);
  }, [value, ms]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    },
    [],
  );
  return out;
}
