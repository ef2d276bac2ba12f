// The writer thread of src/http/offload.ts, as plain JavaScript evaluated in the worker (no
// TypeScript loader exists there). Records stay in the shared ring until written: the writer keeps
// a queue of their offsets ordered by due time (ring order among equal times), writes each record
// when it is due, sleeps until the next one, and gives ring space back (TAIL) over the written
// prefix. Per socket, due times never decrease, so per-socket order is ring order. Nothing is
// allocated per record, so this thread's own garbage collector stays out of the way.
//
// A socket whose buffer is full (EAGAIN) keeps its bytes in a per-slot backlog that is retried
// every 2 ms; later records for that slot queue behind it.
export const WORKER_JS = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
const ctl = new Int32Array(workerData.ctl);
const hist = new Int32Array(workerData.hist);
const ring = Buffer.from(workerData.data);
const ringI32 = new Int32Array(workerData.data);
const ringF64 = new Float64Array(workerData.data);
const IN_PROGRESS = 0, HEAD = 1, TAIL = 2, SLEEPING = 3, RECORDING = 4, MAX_US = 5, PRIORITY = 6, SLOT0 = 8, REC = 32;
const BUCKET_US = 10, LAST = hist.length - 1;
// header words the writer owns: queue order, and state (queued paced, queued at once, written)
const SEQ = 6, STATE = 7, PACED = 2, NOW = 3, DONE = 1;
// Once awake, records due within BATCH_MS are written together (early, counted as error): one
// wake-up per record would cost more CPU than the writes. Sleeps end WAKE_MS before the next
// due record, about what the wake-up itself takes.
const BATCH_MS = 0.5;
const WAKE_MS = 0.05;
// the host thread's performance.now() clock, through the monotonic clock both threads share
const shift = Number(process.hrtime.bigint() - workerData.hr0) / 1e6 + workerData.perf0 - performance.now();
const now = () => performance.now() + shift;
// This thread's timing is the pacing everyone sees, and it needs little CPU: it asks the scheduler
// to prefer it (a lower nice value, for this thread only: on Linux a thread id is a valid
// PRIO_PROCESS target). That takes privilege (CAP_SYS_NICE or RLIMIT_NICE); without it the thread
// keeps the default and PRIORITY says so.
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  require('node:os').setPriority(tid, workerData.nice);
  Atomics.store(ctl, PRIORITY, 1);
} catch {
  Atomics.store(ctl, PRIORITY, 2);
}
const stalled = new Map(); // slot -> { fd, gen, parts: Buffer[], ends: boolean }
const lastDue = new Float64Array(ctl.length - SLOT0);
const lastGen = new Int32Array(ctl.length - SLOT0);
let acks = [];

// min-heap of record offsets on (due, seq)
const heap = new Int32Array(workerData.records);
let size = 0;
let seq = 0;
const before = (a, b) => {
  const da = ringF64[(a + 16) >> 3], db = ringF64[(b + 16) >> 3];
  // seq compared by wrapping difference, so order holds across its overflow
  return da < db || (da === db && ((ringI32[(a >> 2) + SEQ] - ringI32[(b >> 2) + SEQ]) | 0) < 0);
};
function push(at) {
  let i = size++;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (before(heap[p], at)) break;
    heap[i] = heap[p];
    i = p;
  }
  heap[i] = at;
}
function pop() {
  const top = heap[0];
  const last = heap[--size];
  if (size > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const c = l + 1 < size && before(heap[l + 1], heap[l]) ? l + 1 : l;
      if (before(last, heap[c])) break;
      heap[i] = heap[c];
      i = c;
    }
    heap[i] = last;
  }
  return top;
}
const next = (at) => at + REC + ((ringI32[at >> 2] + 7) & ~7);

// writes buf from off; returns the unwritten remainder (a copy), null when done, false when gone
function put(fd, slot, gen, buf, off, end) {
  Atomics.store(ctl, IN_PROGRESS, gen);
  try {
    if (Atomics.load(ctl, SLOT0 + slot) !== gen) return false;
    while (off < end) {
      try { off += writeSync(fd, buf, off, end - off); }
      catch (e) { if (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK') return Buffer.from(buf.subarray(off, end)); return false; }
    }
    return null;
  } finally { Atomics.store(ctl, IN_PROGRESS, 0); }
}

function finish(slot, gen) {
  // the response is complete: free the slot's generation here, the host thread only recycles it
  Atomics.compareExchange(ctl, SLOT0 + slot, gen, 0);
  acks.push(gen);
}

function retryStalled() {
  for (const [slot, s] of stalled) {
    let rest = null;
    while (s.parts.length > 0) {
      rest = put(s.fd, slot, s.gen, s.parts[0], 0, s.parts[0].length);
      if (rest === null) s.parts.shift(); else break;
    }
    if (rest === false || s.parts.length === 0) {
      stalled.delete(slot);
      if (s.ends) finish(slot, s.gen);
    } else s.parts[0] = rest;
  }
}

// queues the record at this offset; returns the next offset
function take(at) {
  const i = at >> 2, slot = ringI32[i + 2], g = ringI32[i + 3], gen = g < 0 ? -g : g;
  const paced = ringF64[(at + 16) >> 3] > 0;
  if (lastGen[slot] !== gen) { lastGen[slot] = gen; lastDue[slot] = 0; }
  // never before an earlier record of the same response
  const due = Math.max(paced ? ringF64[(at + 16) >> 3] : 0, lastDue[slot]);
  lastDue[slot] = due;
  ringF64[(at + 16) >> 3] = due;
  ringI32[i + SEQ] = seq = (seq + 1) | 0;
  ringI32[i + STATE] = paced ? PACED : NOW;
  push(at);
  return next(at);
}

function write(at, t) {
  const i = at >> 2, len = ringI32[i], fd = ringI32[i + 1], slot = ringI32[i + 2], g = ringI32[i + 3];
  const gen = g < 0 ? -g : g, ends = g < 0, off = at + REC;
  if (ringI32[i + STATE] === PACED && Atomics.load(ctl, RECORDING) === 1) {
    const us = Math.round(Math.abs(t - ringF64[(at + 16) >> 3]) * 1000);
    Atomics.add(hist, Math.min(LAST, Math.floor(us / BUCKET_US)), 1);
    if (us > Atomics.load(ctl, MAX_US)) Atomics.store(ctl, MAX_US, us);
  }
  ringI32[i + STATE] = DONE;
  let s = stalled.get(slot);
  if (s && s.gen !== gen) { stalled.delete(slot); if (s.ends) finish(slot, s.gen); s = undefined; }
  if (s) { s.parts.push(Buffer.from(ring.subarray(off, off + len))); s.ends = s.ends || ends; return; }
  const rest = put(fd, slot, gen, ring, off, off + len);
  if (rest === null || rest === false) { if (ends) finish(slot, gen); }
  else stalled.set(slot, { fd, gen, parts: [rest], ends });
}

let taken = 0; // ring offset up to which records are queued
let tail = 0; // oldest record not yet written
for (;;) {
  const head = Atomics.load(ctl, HEAD);
  while (taken !== head) {
    if (ringI32[taken >> 2] === -1) { taken = 0; continue; }
    taken = take(taken);
  }
  let t = now();
  while (size > 0 && ringF64[(heap[0] + 16) >> 3] <= t + BATCH_MS) {
    write(pop(), t);
    t = now();
  }
  // give back the written prefix of the ring
  const from = tail;
  while (tail !== taken) {
    if (ringI32[tail >> 2] === -1) { tail = 0; continue; }
    if (ringI32[(tail >> 2) + STATE] !== DONE) break;
    tail = next(tail);
  }
  if (tail !== from) Atomics.store(ctl, TAIL, tail);
  if (stalled.size > 0) retryStalled();
  if (acks.length > 0) { parentPort.postMessage(acks); acks = []; }
  if (Atomics.load(ctl, HEAD) !== taken) continue;
  if (size > 0 || stalled.size > 0) {
    // until the next due record (or the backlog retry); the host thread wakes us for sooner ones
    const wait = Math.min(size > 0 ? ringF64[(heap[0] + 16) >> 3] - WAKE_MS - now() : 2, stalled.size > 0 ? 2 : Infinity);
    if (wait > 0) Atomics.wait(ctl, HEAD, taken, wait);
    continue;
  }
  // Idle: sleep until woken (SLEEPING tells the host thread to wake us; it is set before the final
  // check of HEAD inside Atomics.wait, so no wake is lost), waking every 50 ms at most so that a
  // terminating process is not held up.
  Atomics.store(ctl, SLEEPING, 1);
  Atomics.wait(ctl, HEAD, taken, 50);
  Atomics.store(ctl, SLEEPING, 0);
}
`;
