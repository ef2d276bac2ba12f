// Model-dispatched routes of llama-swap HEAD (protocol reference §2.2).

export const POST_JSON_PATHS = new Set([
  '/v1/chat/completions', '/v1/responses', '/v1/completions', '/v1/messages', '/v1/messages/count_tokens', '/v1/embeddings',
  '/reranking', '/rerank', '/v1/rerank', '/v1/reranking', '/infill', '/completion', '/v1/audio/speech', '/v1/audio/voices',
  '/v1/images/generations', '/sdapi/v1/txt2img', '/sdapi/v1/img2img', '/audioapi/v1/tasks/run',
]);

/** versionless aliases (v212+): the /v prefix is stripped before forwarding */
export const VERSIONLESS_PATHS = new Set([
  '/v/chat/completions', '/v/responses', '/v/completions', '/v/messages', '/v/messages/count_tokens', '/v/embeddings', '/v/rerank', '/v/reranking',
]);

export const MULTIPART_PATHS = new Set(['/v1/audio/transcriptions', '/v1/images/edits']);

/** GET routes dispatched by ?model= ; /props exists from v234 */
export const GET_MODEL_PATHS = new Set(['/v1/audio/voices', '/sdapi/v1/loras', '/props']);

/** Paths that count as inference when reached through /upstream/<model>/<path> with POST. */
export function isInferencePath(method: string, path: string): boolean {
  if (method === 'POST') return POST_JSON_PATHS.has(path) || MULTIPART_PATHS.has(path);
  if (method === 'GET') return GET_MODEL_PATHS.has(path);
  return false;
}

/** Forwarded path for a dispatched route. */
export function forwardedPath(path: string): string {
  if (VERSIONLESS_PATHS.has(path)) return path.slice(2);
  if (path.startsWith('/audioapi/')) return path.slice('/audioapi'.length);
  return path;
}
