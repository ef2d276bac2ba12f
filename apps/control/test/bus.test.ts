import { describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/bus';
import type { StoredActivity } from '../src/activity/activity.repo';

const row = (hostId: string) => ({ hostId }) as unknown as StoredActivity;

describe('EventBus', () => {
  it('fans out to every subscriber of the type, in subscription order', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on('activity.stored', (e) => seen.push(`a${e.rows.length}`));
    bus.on('activity.stored', (e) => seen.push(`b${e.rows.length}`));
    bus.publish({ type: 'activity.stored', rows: [row('h1'), row('h2')] });
    expect(seen).toEqual(['a2', 'b2']);
  });

  it('isolates a failing subscriber: the others still run, the error is reported', () => {
    const errors: unknown[] = [];
    const bus = new EventBus({ onError: (err) => errors.push(err) });
    let after = 0;
    bus.on('activity.stored', () => {
      throw new Error('boom');
    });
    bus.on('activity.stored', () => after++);
    expect(() => bus.publish({ type: 'activity.stored', rows: [] })).not.toThrow();
    expect(after).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it('stops delivering after unsubscribe', () => {
    const bus = new EventBus();
    let n = 0;
    const off = bus.on('activity.stored', () => n++);
    bus.publish({ type: 'activity.stored', rows: [] });
    off();
    bus.publish({ type: 'activity.stored', rows: [] });
    expect(n).toBe(1);
  });
});
