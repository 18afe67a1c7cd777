import { createHash } from 'node:crypto';
import { PREVIEW_MAX_CHARS, type Preview } from '../contracts/common.ts';
import { type Redact, redactedJson } from './redact.ts';

/** The value's type as a Preview names it. */
function typeOf(value: unknown): Preview['type'] {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as Preview['type'];
}

/** A bounded, redacted view of any value, with the size and hash of the whole. */
export function preview(value: unknown, redact: Redact): Preview {
  return previewOf(redactedJson(value, redact), typeOf(value));
}

/** A Preview of text that is already serialized (an HTTP body, say). */
export function previewText(raw: string, redact: Redact, type: Preview['type'] = 'string'): Preview {
  return previewOf(redact(raw), type);
}

/** Redacted whole before it is cut, so a cut never leaves the start of a secret behind. */
function previewOf(text: string, type: Preview['type']): Preview {
  const truncated = text.length > PREVIEW_MAX_CHARS;
  return {
    type,
    text: truncated ? text.slice(0, PREVIEW_MAX_CHARS) : text,
    bytes: Buffer.byteLength(text),
    truncated,
    sha256: truncated ? createHash('sha256').update(text).digest('hex') : null,
  };
}
