// Token bodies written from a second thread. At 20k tokens/s the loopback write (one per token per
// socket, ~60 % of the per-token cost) saturates the event loop that also paces the tokens, so the
// syscall moves to a writer thread that writes to the socket's file descriptor. Pacing, framing,
// metering and every other byte stay on the host's thread; the writer only performs the writes, in
// the order they were queued, so the bytes on the wire are unchanged.
//
// Transport: a shared-memory ring (postMessage per batch cost more than the writes it saved). The
// writer polls the ring head while busy, sleeps with Atomics.wait when idle, and writes straight
// from shared memory.
//
// Descriptor reuse: a socket closed on this thread could hand its fd number to a new connection
// while bytes for it are still queued. Every offloaded response owns a slot in shared memory
// holding its generation; the writer announces the generation it is about to write (IN_PROGRESS),
// then checks the slot, and a closing socket clears its slot and waits until the writer is not
// mid-write for it. So nothing reaches a descriptor after its socket began closing.
import type { Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { WORKER_JS } from './offload-worker';

const SLOTS = 8192;
const RING = 8 << 20;
// Int32 control words: [0] generation being written, [1] head (byte offset written by this thread),
// [2] tail (byte offset consumed by the writer), [3] writer asleep, then one generation per slot
const IN_PROGRESS = 0;
const HEAD = 1;
const TAIL = 2;
const SLEEPING = 3;
const SLOT0 = 4;
const REC = 16;

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
let ctl: Int32Array;
let ring: Buffer;
let ringI32: Int32Array;
let head = 0;
const free: number[] = [];
let gen = 0;
const ends = new Map<number, () => void>();
// records that did not fit in the ring, in order; while any wait, new records queue behind them
const overflow: Array<[Owned, boolean, string]> = [];
let retry: NodeJS.Timeout | null = null;
let publishQueued = false;

function start(): boolean {
  if (worker) return true;
  if (disabled) return false;
  try {
    ctl = new Int32Array(new SharedArrayBuffer(4 * (SLOT0 + SLOTS)));
    const data = new SharedArrayBuffer(RING);
    ring = Buffer.from(data);
    ringI32 = new Int32Array(data);
    for (let i = SLOTS - 1; i >= 0; i--) free.push(i);
    worker = new Worker(WORKER_JS, { eval: true, workerData: { ctl: ctl.buffer, data }, name: 'sim-offload' });
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
function put(o: Owned, end: boolean, data: string): boolean {
  const len = Buffer.byteLength(data);
  const need = REC + ((len + 3) & ~3);
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
  ring.write(data, at + REC, len, 'utf8');
  head = at + need;
  return true;
}

function publish(): void {
  publishQueued = false;
  Atomics.store(ctl, HEAD, head);
  // a busy writer polls the head; only an idle one sleeps and needs the (costly) wake-up
  if (Atomics.load(ctl, SLEEPING) === 1) Atomics.notify(ctl, HEAD);
}

function drainOverflow(): void {
  retry = null;
  let n = 0;
  while (n < overflow.length && put(...overflow[n]!)) n++;
  overflow.splice(0, n);
  publish();
  if (overflow.length > 0) retry = setTimeout(drainOverflow, 1);
}

function queue(o: Owned, end: boolean, data: string): void {
  if (overflow.length === 0 && put(o, end, data)) {
    // one wake-up per event-loop turn (the pacer emits all due tokens in one callback), so the
    // futex wake is not paid per token; the microtask runs before any I/O, adding no delay
    if (!publishQueued) {
      publishQueued = true;
      queueMicrotask(publish);
    }
    return;
  }
  overflow.push([o, end, data]);
  if (!retry) retry = setTimeout(drainOverflow, 1);
}

export interface OffloadedBody {
  /** queues bytes already framed for the wire */
  write(framed: string): void;
  /** queues the last bytes; `written` runs once they are on the socket (or the socket is gone) */
  end(framed: string, written: () => void): void;
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
    write: (framed) => {
      if (sock[OWNED] === o) queue(o, false, framed);
    },
    end: (framed, written) => {
      if (sock[OWNED] !== o) return written();
      ends.set(o.gen, () => {
        release(sock, false);
        written();
      });
      queue(o, true, framed);
    },
  };
}
