import { z } from 'zod';

/** An RFC 4122 UUID, as every trace_id and failure_id is. */
export const Uuid = z.uuid();

/** An ISO 8601 timestamp in UTC, as Date.prototype.toISOString writes it. */
export const IsoTime = z.iso.datetime();

/** A lowercase hex OpenTelemetry id. */
const hex = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`), `${length} lowercase hex digits`);

/** The OpenTelemetry trace and span a record belongs to. */
export const OtelRef = z.strictObject({
  trace_id: hex(32).describe('OpenTelemetry trace id of the run.'),
  span_id: hex(16).describe('OpenTelemetry span id of the span this record describes.'),
});
export type OtelRef = z.infer<typeof OtelRef>;

/** The largest preview text kept in a record, in characters. */
export const PREVIEW_MAX_CHARS = 2048;

/**
 * A bounded view of an arbitrary value: enough to read, never the whole of an enormous output.
 * The size and hash describe the full value, so two runs can be compared without storing it.
 */
export const Preview = z.strictObject({
  type: z.enum(['string', 'number', 'boolean', 'null', 'undefined', 'object', 'array', 'bigint', 'function', 'symbol']),
  text: z
    .string()
    .max(PREVIEW_MAX_CHARS)
    .describe('Serialized value (strings as they are, the rest as JSON), cut to the limit, secrets redacted.'),
  bytes: z.int().nonnegative().describe('UTF-8 size of the full serialized value.'),
  truncated: z.boolean(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable()
    .describe(
      'SHA-256 of the full serialized value after redaction, when the text is truncated (otherwise the text is the whole value).',
    ),
});
export type Preview = z.infer<typeof Preview>;

/** What the lab keeps of a thrown value, whether or not it was an Error. */
export const ErrorInfo = z.strictObject({
  class: z.string().describe('Constructor name, e.g. RateLimitError; for non-Error values the typeof, e.g. "string".'),
  name: z.string().describe('The error.name property (openai SDK errors say "Error": use class).'),
  message: z.string(),
  stack: z.string().nullable(),
  thrown: z
    .enum(['error', 'string', 'number', 'boolean', 'bigint', 'symbol', 'undefined', 'null', 'object', 'function'])
    .describe('What kind of value was thrown.'),
  code: z.string().nullable().describe('error.code when present (e.g. ERR_WORKER_OUT_OF_MEMORY, ECONNRESET).'),
  status: z.int().nullable().describe('HTTP status for API errors.'),
  cause: z.strictObject({ class: z.string(), message: z.string() }).nullable(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;
