/**
 * A FIFO ring buffer with a fixed capacity that never grows: when full, pushing drops the
 * oldest item (the writer keeps the newest data when it must drop). O(1) push and shift.
 */
export class BoundedQueue<T> {
  private readonly buf: (T | undefined)[];
  private head = 0;
  private len = 0;

  constructor(readonly capacity: number) {
    if (capacity < 1) throw new Error('capacity must be at least 1');
    this.buf = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.len;
  }

  /** Appends; returns the item that had to be dropped to make room, if any. */
  push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.len === this.capacity) {
      dropped = this.buf[this.head];
      this.buf[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.len--;
    }
    this.buf[(this.head + this.len) % this.capacity] = item;
    this.len++;
    return dropped;
  }

  /** Removes and returns up to `n` of the oldest items. */
  take(n: number): T[] {
    const count = Math.min(n, this.len);
    const out: T[] = new Array<T>(count);
    for (let i = 0; i < count; i++) {
      out[i] = this.buf[this.head] as T;
      this.buf[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
    }
    this.len -= count;
    return out;
  }

  /**
   * Puts items back at the front (a batch whose write failed), oldest first. What no longer
   * fits is the oldest data and is returned as dropped.
   */
  unshiftMany(items: T[]): T[] {
    const room = this.capacity - this.len;
    const keep = items.length <= room ? items : items.slice(items.length - room);
    const dropped = items.length <= room ? [] : items.slice(0, items.length - room);
    for (let i = keep.length - 1; i >= 0; i--) {
      this.head = (this.head - 1 + this.capacity) % this.capacity;
      this.buf[this.head] = keep[i];
      this.len++;
    }
    return dropped;
  }
}
