import { describe, expect, it } from 'vitest';
import { LogBuffer } from './log-buffer';

describe('log buffer', () => {
  it('keeps the newest characters within its bound', () => {
    const b = new LogBuffer(10);
    b.append('abcdef');
    b.append('ghijkl');
    expect(b.tail()).toBe('ghijkl'); // whole chunks are dropped from the front
    b.append('x'.repeat(25));
    expect(b.tail()).toBe('x'.repeat(10));
    expect(b.tail(3)).toBe('xxx');
  });

  it('appends only the new part of a reconnect replay, or all of it when nothing overlaps', () => {
    const b = new LogBuffer(10_000);
    const line = (n: number) => `[INFO] request ${n} POST /v1/chat/completions 200\n`;
    b.append(line(1) + line(2) + line(3));
    // the replay starts inside what we have (a young log)…
    expect(b.newPartOfReplay(line(2) + line(3) + line(4))).toBe(line(4));
    // …or long before it
    expect(b.newPartOfReplay(line(0) + line(1) + line(2) + line(3) + line(4))).toBe(line(4));
    expect(b.newPartOfReplay(line(1) + line(2) + line(3))).toBe('');
    expect(b.newPartOfReplay('after a restart\n')).toBe('after a restart\n');
    expect(new LogBuffer(100).newPartOfReplay('first connect\n')).toBe('first connect\n');
  });
});
