import { useEffect, useRef, useState } from 'react';
import { useControlStream } from '../../live/context';
import { DeltaReader, LogStore } from './log-store';

/**
 * Follows `logs:<host>:<source>` on the one control stream and keeps up to 100,000 lines. The
 * stream client keeps the recent text per topic; this turns each new value into appended
 * lines, and re-renders at most once per animation frame however fast lines arrive.
 */
export function useLogStore(topic: string | null): { store: LogStore; version: number } {
  const stream = useControlStream();
  const [store, setStore] = useState(() => new LogStore());
  const [version, setVersion] = useState(0);
  const frame = useRef<number | null>(null);
  useEffect(() => {
    if (!topic) return;
    const s = new LogStore();
    const reader = new DeltaReader();
    setStore(s);
    setVersion(0);
    const unsubscribe = stream.subscribe(topic, () => {
      const cur = stream.state<string>(topic);
      if (cur === undefined) return;
      const { delta } = reader.next(cur, s.tail(256));
      if (!delta) return;
      s.append(delta);
      if (frame.current === null) {
        frame.current = requestAnimationFrame(() => {
          frame.current = null;
          setVersion(s.version);
        });
      }
    });
    return () => {
      unsubscribe();
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
    };
  }, [stream, topic]);
  return { store, version };
}
