// Token bodies written from a second thread, at their due time. At 20k tokens/s the loopback write
// (one per token per socket, ~60 % of the per-token cost) saturates the event loop that also paces
// the tokens, so the syscall moves to a writer thread that writes to the socket's file descriptor.
// Framing, metering and every other byte stay on the host's thread; the writer only performs the
// writes, in order per socket, so the bytes on the wire are unchanged.
//
// Pacing: a paced record carries its due time and is queued up to LEAD_MS ahead of it; the writer
// holds it and writes it when due. So a pause of the host thread (a garbage collection, a burst of
// new requests, the scheduler running something else) shorter than the lead no longer delays a
// token: only the writer thread, which does nothing else, has to be on time. Records without a
// due time are written at once.
//
// Transport: a shared-memory ring (postMessage per batch cost more than the writes it saved).
// Records stay in the ring until written; the writer keeps a due-time queue of their offsets,
// sleeps with Atomics.wait until the next due record, and is woken early only for records due
// sooner than that.
//
// Descriptor reuse: a socket closed on this thread could hand its fd number to a new connection
// while bytes for it are still queued. Every offloaded response owns a slot in shared memory
// holding its generation; the writer announces the generation it is about to write (IN_PROGRESS),
// then checks the slot, and a closing socket clears its slot and waits until the writer is not
// mid-write for it. So nothing reaches a descriptor after its socket began closing, and records
// still queued for a closed response are dropped.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { WORKER_JS } from './offload-worker';

/** The nice value the writer thread asks for (see offload-worker.ts). */
const WRITER_NICE = -10;
/** How far ahead of its due time a paced token is handed to the writer thread. */
export const LEAD_MS = 50;
// a record due sooner than this wakes a writer that is sleeping towards a later record
const URGENT_MS = 2;
const SLOTS = 8192;
const RING = 8 << 20;
// Int32 control words: [0] generation being written, [1] head (byte offset written by this thread),
// [2] tail (start of the oldest record not yet written), [3] writer idle (wake it for any record),
// [4] recording lateness, [5] largest lateness seen in µs, [6] writer priority (1 raised, 2 not
// permitted), then one generation per slot
const IN_PROGRESS = 0;
const HEAD = 1;
const TAIL = 2;
const SLEEPING = 3;
const RECORDING = 4;
const MAX_US = 5;
const PRIORITY = 6;
const SLOT0 = 8;
// record header: length, fd, slot, generation (negative: the response's last record), due (f64),
// then two words the writer keeps for itself (queue order, written)
const REC = 32;
// lateness histogram of paced writes: 10 µs buckets up to 200 ms, then one overflow bucket
const BUCKET_US = 10;
const BUCKETS = 20_001;

interface Owned {
  slot: number;
  gen: number;
  fd: number;
}

const OWNED = Symbol('sim.offload');
const WRAPPED = Symbol('sim.offload.wrapped');
type Handle = { fd?: number; close?: (...a: unknown[]) => unknown; reset?: (...a: unknown[]) => unknown; [WRAPPED]?: true };
type OffSocket = Socket & { _handle?: Handle | null; [OWNED]?: Owned | null };

let worker: Worker | null = null;
// Off unless asked for: tests and the demo fleet use plain socket writes (simplest, no Node
// internals); the benchmark and `pnpm sim --offload` turn the writer thread on for throughput.
let disabled = true;

/** Turns the writer thread on or off for responses started from now on. */
export function setWriteOffload(on: boolean): void {
  disabled = !on || process.platform === 'win32';
}

/** How far ahead paced writes may be queued: LEAD_MS with the writer thread on, else 0. */
export function offloadLeadMs(): number {
  return disabled ? 0 : LEAD_MS;
}

let ctl: Int32Array;
let hist: Int32Array;
let ring: Buffer;
let ringI32: Int32Array;
let ringF64: Float64Array;
let head = 0;
const free: number[] = [];
let gen = 0;
const ends = new Map<number, () => void>();
// records that did not fit in the ring, in order; while any wait, new records queue behind them
const overflow: Array<[Owned, boolean, string, number]> = [];
let retry: NodeJS.Timeout | null = null;
let publishQueued = false;
let wakeWriter = false;

function start(): boolean {
  if (worker) return true;
  if (disabled) return false;
  try {
    ctl = new Int32Array(new SharedArrayBuffer(4 * (SLOT0 + SLOTS)));
    hist = new Int32Array(new SharedArrayBuffer(4 * BUCKETS));
    const data = new SharedArrayBuffer(RING);
    ring = Buffer.from(data);
    ringI32 = new Int32Array(data);
    ringF64 = new Float64Array(data);
    for (let i = SLOTS - 1; i >= 0; i--) free.push(i);
    // the writer reads due times on this thread's performance.now() clock, through the monotonic
    // clock both threads share
    const init = { hr0: process.hrtime.bigint(), perf0: performance.now(), records: RING / REC, nice: WRITER_NICE };
    worker = new Worker(WORKER_JS, { eval: true, workerData: { ctl: ctl.buffer, hist: hist.buffer, data, ...init }, name: 'sim-offload' });
    worker.on('message', (acks: number[]) => {
      for (const g of acks) {
        const done = ends.get(g);
        ends.delete(g);
        done?.();
      }
    });
    worker.on('error', () => {
      disabled = true;
    });
    // never keeps a process alive (after the listeners, which would ref it again): sockets that
    // still need it keep the process alive themselves
    worker.unref();
    return true;
  } catch {
    disabled = true;
    return false;
  }
}

/** Releases the socket's slot; the writer writes nothing more to it afterwards. */
function release(sock: OffSocket, closing: boolean): void {
  const o = sock[OWNED];
  if (!o) return;
  sock[OWNED] = null;
  Atomics.compareExchange(ctl, SLOT0 + o.slot, o.gen, 0);
  // the writer may have passed its slot check already: wait out that one write
  if (closing) while (Atomics.load(ctl, IN_PROGRESS) === o.gen);
  free.push(o.slot);
}

/** Appends one record to the ring; false when it does not fit right now. */
function put(o: Owned, end: boolean, data: string, due: number): boolean {
  const len = Buffer.byteLength(data);
  const need = REC + ((len + 7) & ~7);
  const tail = Atomics.load(ctl, TAIL);
  let at = head;
  // records never wrap: a -1 length at the end of the ring sends the reader back to 0
  if (at + need + REC > RING) {
    if (tail > at || tail <= need) return false;
    ringI32[at >> 2] = -1;
    at = 0;
  } else if (tail > at && at + need >= tail) return false;
  const i = at >> 2;
  ringI32[i] = len;
  ringI32[i + 1] = o.fd;
  ringI32[i + 2] = o.slot;
  ringI32[i + 3] = end ? -o.gen : o.gen;
  ringF64[(at + 16) >> 3] = due;
  ring.write(data, at + REC, len, 'utf8');
  head = at + need;
  return true;
}

function publish(): void {
  publishQueued = false;
  Atomics.store(ctl, HEAD, head);
  // an idle writer sleeps until woken, a busy one until its next due record: only those two cases
  // pay for the (costly) wake-up
  if (wakeWriter || Atomics.load(ctl, SLEEPING) === 1) Atomics.notify(ctl, HEAD);
  wakeWriter = false;
}

function drainOverflow(): void {
  retry = null;
  let n = 0;
  while (n < overflow.length && put(...overflow[n]!)) n++;
  overflow.splice(0, n);
  wakeWriter = true;
  publish();
  if (overflow.length > 0) retry = setTimeout(drainOverflow, 1);
}

function queue(o: Owned, end: boolean, data: string, due: number): void {
  if (overflow.length === 0 && put(o, end, data, due)) {
    if (due - performance.now() < URGENT_MS) wakeWriter = true;
    // one publish per event-loop turn (the pacer emits all due tokens in one callback); the
    // microtask runs before any I/O, adding no delay
    if (!publishQueued) {
      publishQueued = true;
      queueMicrotask(publish);
    }
    return;
  }
  overflow.push([o, end, data, due]);
  if (!retry) retry = setTimeout(drainOverflow, 1);
}

export interface LatenessSummary {
  /** paced writes measured */
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Starts measuring |actual − due| of every paced write on the writer thread (ms). */
export function startWriteLatenessRecording(): void {
  if (!worker) return;
  hist.fill(0);
  Atomics.store(ctl, MAX_US, 0);
  Atomics.store(ctl, RECORDING, 1);
}

/** Stops measuring; null when the writer thread has not run. */
export function stopWriteLatenessRecording(): LatenessSummary | null {
  if (!worker) return null;
  Atomics.store(ctl, RECORDING, 0);
  let count = 0;
  for (let i = 0; i < BUCKETS; i++) count += Atomics.load(hist, i);
  const max = Atomics.load(ctl, MAX_US) / 1000;
  const at = (p: number): number => {
    const want = Math.ceil(p * count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += Atomics.load(hist, i);
      // a bucket is reported by its upper edge (never understating the error), capped by the max
      if (seen >= want) return Math.min(((i + 1) * BUCKET_US) / 1000, max);
    }
    return 0;
  };
  return { count, p50: at(0.5), p99: at(0.99), max };
}

/** The writer thread's scheduling priority: raised, default (not permitted), or null (not started). */
export function writerPriority(): 'raised' | 'default' | null {
  if (!worker) return null;
  const p = Atomics.load(ctl, PRIORITY);
  return p === 1 ? 'raised' : p === 2 ? 'default' : null;
}

export interface OffloadedBody {
  /** queues bytes already framed for the wire, to be written at `due` (pacer clock; 0: now) */
  write(framed: string, due?: number): void;
  /** queues the last bytes; `written` runs once they are on the socket (or the socket is gone) */
  end(framed: string, written: () => void, due?: number): void;
}

/**
 * Hands the rest of a response body on this socket to the writer thread, or null when that is not
 * possible (nothing may be pending in the socket's own buffer, or the bytes would reorder).
 */
export function offloadBody(socket: Socket): OffloadedBody | null {
  const sock = socket as OffSocket;
  const h = sock._handle;
  if (!h || typeof h.fd !== 'number' || h.fd < 0 || sock.writableLength > 0 || sock[OWNED] || !start()) return null;
  const slot = free.pop();
  if (slot === undefined) return null;
  const o: Owned = { slot, gen: (gen = (gen % 0x7ffffffe) + 1), fd: h.fd };
  Atomics.store(ctl, SLOT0 + slot, o.gen);
  sock[OWNED] = o;
  if (!h[WRAPPED]) {
    // every way net.Socket closes its descriptor goes through the handle's close or reset
    h[WRAPPED] = true;
    for (const name of ['close', 'reset'] as const) {
      const orig = h[name];
      if (typeof orig !== 'function') continue;
      h[name] = function (this: unknown, ...a: unknown[]) {
        release(sock, true);
        return orig.apply(this, a);
      };
    }
  }
  return {
    write: (framed, due = 0) => {
      if (sock[OWNED] === o) queue(o, false, framed, due);
    },
    end: (framed, written, due = 0) => {
      if (sock[OWNED] !== o) return written();
      ends.set(o.gen, () => {
        release(sock, false);
        written();
      });
      queue(o, true, framed, due);
    },
  };
}
