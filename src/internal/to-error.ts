import type { ErrorInfo } from '../contracts/common.ts';
import { type Redact, redactedJson } from './redact.ts';
import { safeStringify } from './safe-stringify.ts';

/**
 * The one way the lab turns a thrown value into text for a message of its own: an Error's
 * message (its first line: SDKs put whole response bodies after it), with its code in front when
 * the message does not say it already; anything else as JSON. Secrets are redacted by the caller.
 */
export function errorText(value: unknown): string {
  if (!(value instanceof Error)) return safeStringify(value);
  const message = value.message.split('\n', 1)[0] ?? '';
  const code = (value as { code?: unknown }).code;
  return (typeof code === 'string' || typeof code === 'number') && !message.includes(String(code))
    ? `${code} ${message}`
    : message;
}

/** Turns any thrown value into an Error; non-Errors are wrapped and kept as `cause`. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(`Non-Error thrown: ${safeStringify(value)}`, { cause: value });
}

function thrownType(value: unknown): ErrorInfo['thrown'] {
  if (value instanceof Error) return 'error';
  if (value === null) return 'null';
  return typeof value;
}

function stringProp(value: object, key: string): string | null {
  const v = (value as Record<string, unknown>)[key];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

/** What the lab keeps of a thrown value: class, message, stack, code, status, cause; secrets redacted. */
export function errorInfo(value: unknown, redact: Redact): ErrorInfo {
  const thrown = thrownType(value);
  if (!(value instanceof Error)) {
    const isObject = typeof value === 'object' && value !== null;
    return {
      class: isObject ? (value.constructor?.name ?? 'Object') : thrown,
      name: isObject ? (stringProp(value, 'name') ?? thrown) : thrown,
      message:
        isObject && stringProp(value, 'message') !== null
          ? redact(stringProp(value, 'message')!)
          : redactedJson(value, redact),
      stack: null,
      thrown,
      code: isObject ? stringProp(value, 'code') : null,
      status: null,
      cause: null,
    };
  }
  const status = (value as { status?: unknown }).status;
  const cause = value.cause;
  return {
    class: value.constructor?.name ?? 'Error',
    name: value.name,
    message: redact(value.message),
    stack: value.stack ? redact(stableStack(value.stack)) : null,
    thrown,
    code: stringProp(value, 'code'),
    status: typeof status === 'number' && Number.isInteger(status) ? status : null,
    cause:
      cause === undefined
        ? null
        : {
            class: cause instanceof Error ? cause.constructor.name : thrownType(cause),
            message: cause instanceof Error ? redact(cause.message) : redactedJson(cause, redact),
          },
  };
}

/**
 * A stack without Node's internal frames: which of them appear depends on what the event loop
 * happened to be doing (timers or ticks), not on the code that failed, and would make traces differ.
 */
export function stableStack(stack: string): string {
  // A stack is cut at Error.stackTraceLimit, so it loses as many frames at its end as internal
  // frames took places before: keep only as many frames as survive any such cut, whether or not
  // this stack was cut, so the same failure always gives the same stack.
  const limit = Number.isFinite(Error.stackTraceLimit) ? Error.stackTraceLimit : Number.POSITIVE_INFINITY;
  let keep = Math.max(1, limit - MAX_VARYING_INTERNAL_FRAMES);
  return stack
    .replaceAll(FRESH_COPY_QUERY, '')
    .split('\n')
    .filter((line) => !/^\s+at (?:.*\()?node:internal\//.test(line))
    .filter((line) => !/^\s+at /.test(line) || keep-- > 0)
    .join('\n');
}

/**
 * The query a warm worker thread imports a subject's file with, a new number each run, so every
 * run gets a fresh copy of the module. It is no part of where the code is: stacks drop it.
 */
export const freshCopyQuery = (n: number): string => `?lab-fresh-copy=${n}`;
const FRESH_COPY_QUERY = /\?lab-fresh-copy=\d+/g;

/** How many of Node's internal frames may come and go in one stack between runs of the same code. */
const MAX_VARYING_INTERNAL_FRAMES = 3;
