/** Characters that steer a terminal rather than print: C0 and C1 controls, DEL, and bidi overrides. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A text safe to print: every control character written as an escape (\x1b, \n, \u202e), so an
 * ANSI sequence in a file name or a key shows as text instead of reaching the terminal raw.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** The most characters of a value a message quotes. */
export const QUOTE_CHARS = 60;

/**
 * A value from a scenario file, quoted for a message: escaped, and cut after QUOTE_CHARS
 * characters with the length it had, so a huge value (a !!binary blob, a megabyte id) cannot
 * flood the terminal.
 */
export function quote(value: string): string {
  const shown = value.length > QUOTE_CHARS ? `${value.slice(0, QUOTE_CHARS)}…` : value;
  const more = value.length > QUOTE_CHARS ? ` (${value.length.toLocaleString('en-US')} characters)` : '';
  return `"${printable(shown)}"${more}`;
}
