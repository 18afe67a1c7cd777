import { REDACTED, type Redact } from './redact.ts';

/** One string of one event, a piece of what the stream says on one channel. */
type Piece = { holder: Record<string | number, unknown>; key: string | number; text: string; event: Event };
type Event = { line: number; json: unknown; changed: boolean };

/** Fields of an event that tell its channel (Responses API events), present on every event of it. */
const EVENT_CHANNEL_FIELDS = ['type', 'output_index', 'content_index', 'item_id'] as const;

/**
 * Redacts a server-sent-event stream as a reader reassembles it, not chunk by chunk: a secret
 * sent 16 characters at a time matches no chunk, yet the chunks joined give it whole. The strings
 * of every `data:` event are joined per channel (the same field of the same choice, tool call or
 * output item, in event order), secrets are found in the joined text, and every piece of one is
 * taken out of its chunk: the chunk where it starts holds the marker, the others nothing of it.
 * The events keep their number and order (a replay cuts a stream at a chunk), and the whole text
 * is then redacted as any other.
 */
export function redactStream(body: string, redact: Redact): string {
  if (!redact.active) return body;
  const lines = body.split('\n');
  const channels = new Map<string, Piece[]>();
  const events: Event[] = [];
  lines.forEach((line, index) => {
    if (!line.startsWith('data:')) return;
    let json: unknown;
    try {
      json = JSON.parse(line.slice(5));
    } catch {
      return; // [DONE], or an event cut short: the whole-text pass below redacts what it holds.
    }
    if (typeof json !== 'object' || json === null) return;
    const event: Event = { line: index, json, changed: false };
    events.push(event);
    const top = json as Record<string, unknown>;
    const channel = EVENT_CHANNEL_FIELDS.map((f) =>
      typeof top[f] === 'string' || typeof top[f] === 'number' ? `${f}=${top[f]}` : '',
    ).join('|');
    collect(json, channel, event, channels);
  });
  for (const pieces of channels.values()) {
    const joined = pieces.map((p) => p.text).join('');
    const ranges = redact.find(joined);
    if (ranges.length === 0) continue;
    let offset = 0;
    for (const piece of pieces) {
      const start = offset;
      const end = offset + piece.text.length;
      offset = end;
      let text = '';
      let from = start;
      for (const [rs, re] of ranges) {
        if (re <= start || rs >= end) continue;
        text += joined.slice(from, Math.max(rs, start)) + (rs >= start ? REDACTED : '');
        from = Math.min(re, end);
      }
      text += joined.slice(from, end);
      if (text !== piece.text) {
        piece.holder[piece.key] = text;
        piece.event.changed = true;
      }
    }
  }
  for (const event of events) {
    if (!event.changed) continue;
    const cr = lines[event.line]!.endsWith('\r') ? '\r' : '';
    lines[event.line] = `data: ${JSON.stringify(event.json)}${cr}`;
  }
  return redact(lines.join('\n'));
}

/** Every string in an event, under its channel: its path, array elements named by their `index` when they have one. */
function collect(value: unknown, path: string, event: Event, channels: Map<string, Piece[]>): void {
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value as Record<string, unknown>);
  for (const [key, child] of entries) {
    const index = (child as { index?: unknown } | null)?.index;
    const step =
      typeof key === 'number'
        ? `[${typeof child === 'object' && child !== null && typeof index === 'number' ? `#${index}` : key}]`
        : `.${key}`;
    if (typeof child === 'string') {
      const channel = `${path}${step}`;
      const pieces = channels.get(channel) ?? [];
      pieces.push({ holder: value as Record<string | number, unknown>, key, text: child, event });
      channels.set(channel, pieces);
    } else if (typeof child === 'object' && child !== null) collect(child, `${path}${step}`, event, channels);
  }
}
