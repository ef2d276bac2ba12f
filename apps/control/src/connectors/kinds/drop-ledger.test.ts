import { describe, expect, it } from 'vitest';
import { DropLedger } from './drop-ledger';

describe('drop ledger', () => {
  it('reports an id that was stored but never announced, one reconciliation later', () => {
    const l = new DropLedger();
    l.settle(10); // catch-up stored 1..10 without events
    for (const id of [11, 12, 14]) l.announce(id);
    l.audit(14, 1);
    expect(l.takeDrops()).toBe('1 activity event(s) from id 13 never arrived');
    expect(l.takeDrops()).toBeNull();
  });

  it('forgives an event that arrives after its row was fetched, or out of order', () => {
    const l = new DropLedger();
    l.settle(0);
    l.announce(2);
    l.audit(3, 1); // rows 1..3 stored; events 1 and 3 still on their way
    l.announce(1);
    l.announce(3);
    expect(l.takeDrops()).toBeNull();
  });

  it('never counts ids below the first one the store uses', () => {
    const l = new DropLedger();
    l.settle(-1); // nothing stored yet
    l.announce(1);
    l.audit(1, 1);
    expect(l.takeDrops()).toBeNull();
  });
});
