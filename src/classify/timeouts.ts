import { APIConnectionTimeoutError } from 'openai';
import type { ErrorInfo } from '../contracts/common.ts';

/** Error codes of requests that gave up waiting: Node's sockets, undici's phases, the MCP client's timer. */
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // The MCP SDK's v2 client (the one the OpenAI Agents SDK uses): SdkError with this code.
  'REQUEST_TIMEOUT',
]);

/** The MCP SDK's ErrorCode.RequestTimeout: its client's own request timer gave up. */
const MCP_REQUEST_TIMEOUT = -32001;

/**
 * The one rule for "this error is a timeout": the openai client's own request timeout
 * (APIConnectionTimeoutError), an AbortSignal.timeout() that fired (a DOMException named
 * TimeoutError), a socket or fetch phase that timed out (ETIMEDOUT, UND_ERR_*_TIMEOUT), or the
 * MCP SDK client's request timeout (an McpError with code -32001 that says "timed out").
 * openai's errors say "Error" as their name, so they are told apart by instanceof.
 */
export function isTimeoutError(error: unknown): boolean {
  if (error instanceof APIConnectionTimeoutError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  if (name === 'McpError' && code === MCP_REQUEST_TIMEOUT && typeof message === 'string' && /timed out/i.test(message))
    return true;
  return name === 'TimeoutError' || (typeof code === 'string' && TIMEOUT_CODES.has(code));
}

/** The same rule on an error as the lab recorded it (a step's error, or one from a worker). */
export function isTimeoutErrorInfo(error: ErrorInfo | null): boolean {
  if (!error) return false;
  return (
    error.class === 'APIConnectionTimeoutError' ||
    error.name === 'TimeoutError' ||
    (error.name === 'McpError' && error.code === String(MCP_REQUEST_TIMEOUT) && /timed out/i.test(error.message)) ||
    (error.code !== null && TIMEOUT_CODES.has(error.code))
  );
}
