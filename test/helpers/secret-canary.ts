import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** Every file under a folder, as text (latin1, so any byte of a secret shows). */
export async function readTree(dir: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += await readFile(path.join(entry.parentPath, entry.name), 'latin1');
  }
  return text;
}

/** An OTLP/HTTP receiver on loopback that keeps every body it is sent, to search them for secrets. */
export async function startOtlpReceiver(): Promise<{ endpoint: string; bodies: string[]; close: () => Promise<void> }> {
  const bodies: string[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    bodies.push(body);
    res.writeHead(200).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The forms a secret takes in what the lab writes: as it is, JSON-escaped (up to three times), HTML-escaped. */
export function secretForms(secret: string): string[] {
  const forms = new Set([secret]);
  let escaped = secret;
  for (let depth = 0; depth < 3; depth++) forms.add((escaped = JSON.stringify(escaped).slice(1, -1)));
  for (const form of [...forms])
    forms.add(
      form.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!),
    );
  return [...forms];
}

/**
 * Every leak of the secrets in a text: any run of `run` characters of any form of a secret. This
 * finds a secret whole, its start quoted by an error, and any piece of one split across chunks.
 * Canaries must be made of characters that occur nowhere else (no hex, no words of the lab).
 */
export function leaksOf(text: string, secrets: readonly string[], run = 8): string[] {
  const found = new Set<string>();
  for (const form of secrets.flatMap(secretForms))
    for (let i = 0; i + run <= form.length; i++) {
      const piece = form.slice(i, i + run);
      const at = text.indexOf(piece);
      if (at !== -1) found.add(`${JSON.stringify(piece)} in …${text.slice(Math.max(0, at - 60), at + 60)}…`);
    }
  return [...found];
}
