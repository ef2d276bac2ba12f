import type { DomainEvent, DomainEventType, EventOf } from './domain-events';

export type Handler<T extends DomainEventType> = (event: EventOf<T>) => void;

export interface EventBusOptions {
  /** Told about a subscriber that threw; the publisher never sees the error. */
  onError?: (err: unknown, type: DomainEventType) => void;
}

/**
 * Synchronous, typed fan-out. Synchronous so that a subscriber sees an event before the
 * publisher moves on (the WS stream then carries rows in the order they were stored); a
 * subscriber that needs I/O queues it itself. One subscriber throwing never stops the others.
 */
export class EventBus {
  private readonly handlers = new Map<DomainEventType, Set<(event: DomainEvent) => void>>();

  constructor(private readonly opts: EventBusOptions = {}) {}

  /** Returns the unsubscribe function. */
  on<T extends DomainEventType>(type: T, handler: Handler<T>): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    // Sound: a handler is only ever called with events of the type it was registered under.
    const h = handler as unknown as (event: DomainEvent) => void;
    set.add(h);
    return () => set.delete(h);
  }

  publish(event: DomainEvent): void {
    const set = this.handlers.get(event.type);
    if (!set) return;
    for (const h of [...set]) {
      try {
        h(event);
      } catch (err) {
        this.opts.onError?.(err, event.type);
      }
    }
  }
}
