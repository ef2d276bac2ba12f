// A model-dispatched request through llama-swap: in-flight tracking → scheduler (load/swap/queue,
// 429) → the simulated upstream, with the response tee'd into the meter and the capture. Completion
// order matches llama-swap: inflight remove, then the activity row is stored, then announced.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HostCore } from '../core';
import type { ActiveHandler, SimProcess } from '../engine/process';
import { ConcurrencyLimitError, SchedulerError } from '../engine/router';
import type { Grant } from '../engine/router';
import { meter } from '../telemetry/activity';
import { captureMask, redactHeaders } from '../telemetry/captures';
import type { InflightEntry } from '../telemetry/inflight';
import type { UpstreamExchange, UpstreamWriter } from '../upstream/types';
import { pacer } from '../pacer';
import { offloadBody, offloadLeadMs } from './offload';
import type { OffloadedBody } from './offload';
import { countAccessBytes, remoteIp, sendError, sendTooMany } from './respond';

// llama-server puts usage and timings in the last one or two chunks. Keeping more token chunks per
// stream only makes them live long enough to be promoted out of the young generation, and that
// copying lengthens every scavenge, which at 500 streams shows up as pacing error.
const TAIL_CHUNKS = 2;

export interface ModelRequestSpec {
  modelId: string;
  /** path as forwarded upstream (after /v and /upstream/<m> stripping) */
  upstreamPath: string;
  query: URLSearchParams;
  body: Buffer;
  /** HEAD in-flight tracking (inference routes) */
  detailed: boolean;
  /** counted by the v235 {"total"} tracker */
  counted: boolean;
  /** an activity row is recorded (POST inference routes) */
  metered: boolean;
  /** Date.now() when the request entered */
  start: number;
  /** serve only if already ready; never load (upstream.ignorePaths) */
  noLoad?: boolean;
}

export async function serveModelRequest(core: HostCore, req: IncomingMessage, res: ServerResponse, spec: ModelRequestSpec): Promise<void> {
  const rt = core.rt;
  const epoch = core.epoch;
  const arrivedAt = pacer.now();
  const wire = core.wire;
  // Go moves Host out of the header map into Request.Host
  const reqHeaders = redactHeaders(req.headers, ['host']);
  const ip = remoteIp(req);
  const ac = new AbortController();
  const chunks: string[] = [];
  let status = 0;
  let respHeaders: Record<string, string> = {};
  let done = false;
  let grant: Grant | null = null;
  let proc: SimProcess | null = null;
  let exchange: UpstreamExchange | null = null;
  let headFlushed = false;
  let errorBody = '';

  const track = wire === 'head' ? spec.detailed : spec.detailed || spec.counted;
  const entry: InflightEntry | null = track
    ? rt.inflight.start({
        model: spec.modelId,
        req_path: spec.upstreamPath,
        method: req.method ?? 'GET',
        req_headers: reqHeaders,
        remote_ip: ip,
        detailed: wire === 'head',
        cancel: () => {
          ac.abort();
          exchange?.cut();
          res.destroy();
          finalize();
        },
      })
    : null;

  const handler: ActiveHandler = {
    cut: () => {
      exchange?.cut();
      if (!headFlushed && !res.headersSent) {
        // ReverseProxy's error handler: a bare 502 when nothing was sent yet
        status = 502;
        respHeaders = {};
        chunks.length = 0;
        res.writeHead(502);
        res.end();
      } else {
        res.destroy();
      }
      finalize();
    },
  };

  function finalize(): void {
    if (done) return;
    done = true;
    if (proc) proc.handlers.delete(handler);
    if (entry) rt.inflight.end(entry);
    // the row is stored and announced before the scheduler hears the request is done, so a swap
    // it unblocks shows up after the activity event
    if (spec.metered && core.epoch === epoch) record();
    if (grant) {
      if (proc) proc.lastUse = Date.now();
      grant.release();
    }
  }

  function record(): void {
    const st = status === 0 ? 499 : status;
    const body = st === 200 ? chunks.join('') : errorBody || chunks.join('');
    const ct = respHeaders['Content-Type'] ?? '';
    const m = meter(st, ct, body, Date.now() - spec.start);
    if (status === 0) m.error_msg = 'client closed request';
    core.recordActivity(
      {
        ts: Date.now(),
        model: spec.modelId,
        req_path: spec.upstreamPath,
        resp_content_type: ct,
        resp_status_code: st,
        tokens: m.tokens,
        duration_ms: m.duration_ms,
        ...(m.error_msg !== undefined ? { error_msg: m.error_msg } : {}),
        // the FIFO scheduler sets this when it grants the request
        ...(grant ? { metadata: { fifo_priority: String(rt.cfg.priority[spec.modelId] ?? 0) } } : {}),
      },
      (id) => {
        if (!core.captures.enabled) return;
        const mask = captureMask(spec.upstreamPath);
        const ok = st === 200;
        core.captures.add({
          id,
          req_path: spec.upstreamPath,
          req_headers: reqHeaders,
          req_body: mask.reqBody ? spec.body.toString('base64') : null,
          resp_headers: ok ? redactHeaders(respHeaders, ['content-encoding']) : null,
          resp_body: ok && mask.respBody ? Buffer.from(body).toString('base64') : null,
        });
      },
    );
  }

  res.on('close', () => {
    if (done) return;
    // the client went away: a queued request is dropped, a running one is cut upstream
    ac.abort();
    exchange?.cut();
    finalize();
  });

  const fail = (st: number, message: string, tooMany = false): void => {
    status = st;
    respHeaders = { 'Content-Type': 'application/json' };
    errorBody = tooMany ? sendTooMany(req, res, wire) : sendError(req, res, wire, st, message);
    finalize();
  };

  const burst = core.faults.errorBurst;
  if (burst && burst.count > 0) {
    burst.count--;
    if (burst.count <= 0) core.faults.errorBurst = null;
    return fail(burst.status, burst.message);
  }

  const target = rt.procs.get(spec.modelId);
  if (spec.noLoad) {
    if (!target || target.state !== 'ready' || !target.upstream) {
      return fail(409, `model ${spec.modelId} is not loaded; path matches upstream.ignorePaths`);
    }
    proc = target;
  } else {
    try {
      grant = await rt.router.request(spec.modelId, ac.signal);
    } catch (e) {
      if (done || ac.signal.aborted) return finalize();
      if (e instanceof ConcurrencyLimitError) return fail(429, e.message, true);
      if (e instanceof SchedulerError) return fail(e.status, e.message);
      return fail(500, `unspecific error: ${String(e)}`);
    }
    if (done) {
      grant.release();
      return;
    }
    proc = rt.procs.get(spec.modelId) ?? null;
  }
  const upstream = proc?.upstream;
  if (!proc || !upstream || proc.state !== 'ready') return fail(503, `model ${spec.modelId} is not ready`);

  // The whole body is kept only when it may be captured; metering needs just the tail, where
  // llama-server puts usage and timings.
  const keepAll = core.captures.enabled && captureMask(spec.upstreamPath).respBody;
  const keep = (c: string): void => {
    chunks.push(c);
    if (!keepAll && chunks.length > TAIL_CHUNKS) chunks.shift();
  };
  // Streaming bodies bypass OutgoingMessage once the headers are out: the chunked framing is
  // written by the writer thread (src/http/offload.ts), or straight to the socket when that is not
  // possible, one write per token. It is the same bytes on the wire and keeps the per-token cost
  // off this thread, which the 500-stream pacing budget needs.
  let direct: Socket | null = null;
  let off: OffloadedBody | null = null;
  const flushHead = (extra?: Record<string, string>, streaming = false): void => {
    if (headFlushed) return;
    headFlushed = true;
    res.writeHead(status, { ...respHeaders, ...extra });
    if (!streaming) return;
    res.flushHeaders();
    if ((res as unknown as { chunkedEncoding?: boolean }).chunkedEncoding === true && res.socket) {
      direct = res.socket;
      off = offloadBody(res.socket);
    }
  };
  const send = (chunk: string, n: number, due: number): void => {
    if (res.destroyed) return;
    if (!headFlushed) flushHead(undefined, true);
    if (off) {
      countAccessBytes(res, n);
      off.write(`${n.toString(16)}\r\n${chunk}\r\n`, due);
    } else if (due > 0 && due > pacer.now()) {
      // handed over ahead of time, but this socket could not be offloaded: write it when due
      pacer.schedule(due, () => send(chunk, n, 0));
    } else if (direct) {
      countAccessBytes(res, n);
      direct.write(`${n.toString(16)}\r\n${chunk}\r\n`);
    } else res.write(chunk);
  };
  const writer: UpstreamWriter = {
    leadMs: offloadLeadMs(),
    writeHead(s, h) {
      status = s;
      respHeaders = h;
      if (entry) rt.inflight.headers(entry, { ...h });
    },
    write(chunk, due = 0) {
      if (done) return;
      keep(chunk);
      const n = Buffer.byteLength(chunk);
      core.bytesSent += n;
      if (entry) rt.inflight.bytes(entry, n);
      if (core.frozen) core.whenUnfrozen(() => send(chunk, n, due));
      else send(chunk, n, due);
    },
    end(chunk, due = 0) {
      if (done) return;
      if (!off && due > pacer.now()) {
        pacer.schedule(due, () => writer.end(chunk));
        return;
      }
      const last = chunk ?? '';
      const n = Buffer.byteLength(last);
      if (last) {
        keep(last);
        core.bytesSent += n;
        if (entry) rt.inflight.bytes(entry, n);
      }
      // queued ahead of its due time, the request is complete only once its last bytes are out
      const paced = off !== null && due > 0;
      core.whenUnfrozen(() => {
        if (res.destroyed) return;
        const body = off;
        if (body) {
          // the terminating chunk goes the same way as the tokens; OutgoingMessage is then only
          // told the body is complete, so it writes nothing more itself
          countAccessBytes(res, n);
          body.end(
            `${last ? `${n.toString(16)}\r\n${last}\r\n` : ''}0\r\n\r\n`,
            () => {
              if (!res.destroyed && !res.writableEnded) {
                (res as unknown as { chunkedEncoding: boolean }).chunkedEncoding = false;
                res.end();
              }
              if (paced) finalize();
            },
            due,
          );
          return;
        }
        flushHead(headFlushed ? undefined : { 'Content-Length': String(Buffer.byteLength(last)) });
        res.end(last);
      });
      if (!paced) finalize();
    },
  };
  proc.handlers.add(handler);
  core.bytesRecv += spec.body.length;
  exchange = upstream.handle(
    { method: req.method ?? 'GET', path: spec.upstreamPath, query: spec.query, headers: reqHeaders, body: spec.body, remoteIp: ip, arrivedAt },
    writer,
  );
}
