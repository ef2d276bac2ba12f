// Routes that reach a model: inference endpoints (model from the JSON body or ?model=) and the
// /upstream/<model>/<path> passthrough (model ids may contain "/", the longest match wins).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostCore } from '../core';
import { findModelInPath, resolveModel } from '../config';
import { serveModelRequest } from './proxy';
import { GET_MODEL_PATHS, MULTIPART_PATHS, POST_JSON_PATHS, VERSIONLESS_PATHS, forwardedPath, isInferencePath } from './paths';
import { readBody, redirect, sendError } from './respond';
import { safeDecode } from './management';

/** Applies the active profile's pins, then resolves aliases. */
function resolve(core: HostCore, requested: string): string | undefined {
  let name = requested;
  if (core.wire === 'head' && core.activeProfile) {
    const pin = core.cfg.profiles.get(core.activeProfile)?.pins[requested];
    if (typeof pin === 'string') name = pin;
  }
  return resolveModel(core.cfg, name);
}

function modelFromMultipart(body: Buffer): string | undefined {
  const m = /name="model"\r?\n\r?\n([^\r\n]*)/.exec(body.toString('latin1'));
  return m?.[1];
}

export async function handleDispatch(core: HostCore, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const start = Date.now();

  if (path === '/upstream' && (method === 'GET' || method === 'HEAD')) {
    redirect(res, 302, '/ui/models');
    return true;
  }
  if (path.startsWith('/upstream/')) {
    const found = findModelInPath(core.cfg, safeDecode(path.slice('/upstream'.length)));
    const body = await readBody(req);
    if (!found) {
      sendError(req, res, core.wire, 404, 'model not found');
      return true;
    }
    if (found.rest === '') {
      redirect(res, method === 'GET' || method === 'HEAD' ? 301 : 308, `/upstream/${found.name}/${url.search}`);
      return true;
    }
    const inference = isInferencePath(method, found.rest);
    await serveModelRequest(core, req, res, {
      modelId: found.id,
      upstreamPath: found.rest,
      query: url.searchParams,
      body,
      detailed: inference,
      counted: true,
      metered: inference && method === 'POST',
      start,
      noLoad: core.cfg.ignorePaths.some((re) => re.test(found.rest)),
    });
    return true;
  }

  const isPost = method === 'POST' && (POST_JSON_PATHS.has(path) || VERSIONLESS_PATHS.has(path) || MULTIPART_PATHS.has(path));
  const isGet = (method === 'GET' || method === 'HEAD') && GET_MODEL_PATHS.has(path) && !(path === '/props' && core.wire === 'v235');
  if (!isPost && !isGet) return false;

  const body = isPost ? await readBody(req) : Buffer.alloc(0);
  let requested: string | undefined;
  if (isGet) requested = url.searchParams.get('model') ?? undefined;
  else if (MULTIPART_PATHS.has(path)) requested = modelFromMultipart(body);
  else {
    try {
      const j: unknown = JSON.parse(body.toString('utf8'));
      if (j && typeof j === 'object' && typeof (j as Record<string, unknown>).model === 'string') requested = (j as Record<string, string>).model;
    } catch {
      requested = undefined;
    }
  }
  if (!requested) {
    sendError(req, res, core.wire, 404, 'no model id could be identified');
    return true;
  }
  const id = resolve(core, requested);
  if (!id) {
    sendError(req, res, core.wire, 404, 'no local server found for requested model');
    return true;
  }
  await serveModelRequest(core, req, res, {
    modelId: id,
    upstreamPath: forwardedPath(path),
    query: url.searchParams,
    body,
    detailed: true,
    counted: true,
    metered: isPost,
    start,
  });
  return true;
}
