// The writer thread of src/http/offload.ts, as plain JavaScript evaluated in the worker (no
// TypeScript loader exists there). It consumes the shared ring in order and writes each record to
// its socket. A socket whose buffer is full (EAGAIN) keeps its bytes in a per-slot backlog that is
// retried every 2 ms; later records for that slot queue behind it, so per-socket order holds.
export const WORKER_JS = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const ctl = new Int32Array(workerData.ctl);
const ring = Buffer.from(workerData.data);
const ringI32 = new Int32Array(workerData.data);
const RING = ring.length, IN_PROGRESS = 0, HEAD = 1, TAIL = 2, SLEEPING = 3, SLOT0 = 4, REC = 16;
const stalled = new Map(); // slot -> { fd, gen, parts: Buffer[], ends: boolean }
let acks = [];

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

function record(at) {
  const i = at >> 2, len = ringI32[i], fd = ringI32[i + 1], slot = ringI32[i + 2], g = ringI32[i + 3];
  const ends = g < 0, gen = ends ? -g : g, off = at + REC;
  let s = stalled.get(slot);
  if (s && s.gen !== gen) { stalled.delete(slot); if (s.ends) finish(slot, s.gen); s = undefined; }
  if (s) { s.parts.push(Buffer.from(ring.subarray(off, off + len))); s.ends = s.ends || ends; }
  else {
    const rest = put(fd, slot, gen, ring, off, off + len);
    if (rest === null || rest === false) { if (ends) finish(slot, gen); }
    else stalled.set(slot, { fd, gen, parts: [rest], ends });
  }
  return at + REC + ((len + 3) & ~3);
}

let tail = 0;
let idle = 0;
for (;;) {
  const head = Atomics.load(ctl, HEAD);
  while (tail !== head) {
    if (ringI32[tail >> 2] === -1) { tail = 0; continue; }
    tail = record(tail);
    Atomics.store(ctl, TAIL, tail);
    idle = 0;
  }
  if (stalled.size > 0) retryStalled();
  if (acks.length > 0) { parentPort.postMessage(acks); acks = []; }
  if (Atomics.load(ctl, HEAD) !== tail) continue;
  // While busy, poll every 0.2 ms: a futex wake from the host thread per batch cost it more than
  // the writes saved. After 50 ms without work, sleep until woken (SLEEPING tells the host thread
  // to wake us; it is set before the final check of HEAD inside Atomics.wait, so no wake is lost),
  // waking every 50 ms at most so that a terminating process is not held up.
  if (++idle < 250 || stalled.size > 0) { Atomics.wait(ctl, HEAD, tail, stalled.size > 0 ? 2 : 0.2); continue; }
  Atomics.store(ctl, SLEEPING, 1);
  Atomics.wait(ctl, HEAD, tail, 50);
  Atomics.store(ctl, SLEEPING, 0);
}
`;
