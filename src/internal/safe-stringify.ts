/**
 * JSON.stringify that never throws: cycles become "[Circular]", BigInts "<n>n", functions and
 * symbols a tag, Errors their name and message. Strings are returned as they are. `mapString`,
 * when given, rewrites every string value before it is serialized (redaction, see redact.ts).
 */
export function safeStringify(value: unknown, mapString?: (text: string) => string): string {
  if (typeof value === 'string') return mapString ? mapString(value) : value;
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
  if (typeof value === 'symbol') return value.toString();
  const ancestors: object[] = [];
  try {
    return (
      JSON.stringify(value, function (this: unknown, _key, val: unknown) {
        if (typeof val === 'string') return mapString ? mapString(val) : val;
        if (typeof val === 'bigint') return `${val}n`;
        if (typeof val === 'function') return `[Function ${val.name || 'anonymous'}]`;
        if (typeof val === 'symbol') return val.toString();
        if (val instanceof Error) return { name: val.name, message: val.message };
        if (typeof val !== 'object' || val === null) return val;
        // `this` is the object holding val: drop ancestors that are no longer on the path.
        while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
        if (ancestors.includes(val)) return '[Circular]';
        ancestors.push(val);
        return val;
      }) ?? 'undefined'
    );
  } catch (error) {
    // A throwing getter or toJSON: keep what can be said without running user code again.
    return `[Unserializable: ${error instanceof Error ? error.message : String(error)}]`;
  }
}
