/**
 * Response headers a loopback relay does not pass on: the connection's own, and what fetch has
 * already undone (it decodes and de-chunks the body, so the encoding and length no longer describe it).
 */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'content-length', 'content-encoding', 'transfer-encoding']);

/** A fetch response's headers as a relay sends them on to its own client (see NOT_FORWARDED). */
export function forwardedHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!NOT_FORWARDED.has(name)) out[name] = value;
  });
  return out;
}
