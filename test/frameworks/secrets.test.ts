import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { leaksOf, readTree, startOtlpReceiver } from '../helpers/secret-canary.ts';
import { runCli } from '../helpers/run-cli.ts';

/** Letters that occur nowhere else, so any 8 of them in a row found anywhere is a leak (see leaksOf). */
const CANARIES = {
  OPENAI_API_KEY: 'sk-ZqFwOpenWv"Xy\\KpRtQm',
  COSMOS_KEY: 'ZqFwCosmosWvXyKpRtQm',
  LAB_REDACT: 'ZqFwListedOneWvXyKp,ZqFwListedTwo"WvXy\\Kp',
};
const [LISTED_ONE, LISTED_TWO] = CANARIES.LAB_REDACT.split(',') as [string, string];

/** Framework runs with the secrets planted where the frameworks carry them: tool errors, model replies, a stream. */
const SCENARIOS = [
  {
    id: 'canary-agents',
    subject: 'agents-support-desk',
    description: 'A tool error and a reply that hold secrets, through a hand-off.',
    expected: null,
    input: { message: 'How much was invoice INV-1001?' },
    model: {
      replies: [
        { tool_calls: [{ name: 'transfer_to_Billing', arguments: {} }] },
        { tool_calls: [{ name: 'lookup_invoice', arguments: { invoice_id: 'INV-1001' } }] },
        { content: `The billing system says ${CANARIES.OPENAI_API_KEY}.` },
      ],
    },
    tools: { lookup_invoice: [{ error: `database login ${LISTED_ONE} refused` }] },
  },
  {
    id: 'canary-aisdk',
    subject: 'aisdk-researcher',
    description: 'A tool error the AI SDK sends back to the model, and an answer, that hold secrets.',
    expected: null,
    input: { question: 'How many passengers did the Oslo line carry in March?' },
    model: {
      replies: [
        { tool_calls: [{ name: 'search_notes', arguments: { query: 'oslo' } }] },
        { json: { answer: `The index key ${LISTED_TWO} was refused.`, sources: [] } },
      ],
    },
    tools: { search_notes: [{ error: `index key ${CANARIES.COSMOS_KEY} refused` }] },
  },
  {
    id: 'canary-aisdk-stream',
    subject: 'aisdk-stream-summarizer',
    description: 'A streamed reply that holds a secret.',
    expected: null,
    input: { text: 'A report.' },
    model: { replies: [{ content: `Summary: the key is ${CANARIES.OPENAI_API_KEY}.` }] },
  },
];

describe('the secrets canary holds for framework subjects', () => {
  it('no secret reaches a stored record, an exported line (NDJSON or TRAIL), an OTLP body (framework spans included) or the output', async () => {
    const otlp = await startOtlpReceiver();
    const received = otlp.bodies;
    try {
      const scenarios = await mkdtemp(path.join(tmpdir(), 'fw-canary-scenarios-'));
      for (const s of SCENARIOS) await writeFile(path.join(scenarios, `${s.id}.json`), JSON.stringify(s));
      const dir = await mkdtemp(path.join(tmpdir(), 'fw-canary-store-'));
      const env = { ...CANARIES, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint };
      const capture = await runCli(
        ['capture', '--store', 'files', '--dir', dir, '--scenarios', scenarios, '--no-ledger', '--record-replies'],
        { env },
      );
      expect(capture.code, capture.stdout + capture.stderr).toBe(0);
      const ndjson = await runCli(['export', '--store', 'files', '--dir', dir], { env });
      const trail = await runCli(['export', '--store', 'files', '--dir', dir, '--format', 'trail'], { env });
      // Every scenario here passes: TRAIL's rows hold failures only, so the blind dataset carries the traces.
      expect(trail.stderr).toContain(`left out ${SCENARIOS.length} passing`);
      const datasetDir = await mkdtemp(path.join(tmpdir(), 'fw-canary-dataset-'));
      const dataset = await runCli(['dataset', '--store', 'files', '--dir', dir, '--out', datasetDir], { env });
      expect(dataset.code, dataset.stderr).toBe(0);
      expect((await readTree(datasetDir)).split('invoke_agent').length - 1).toBeGreaterThanOrEqual(SCENARIOS.length);
      const everything = [
        capture.stdout,
        capture.stderr,
        ndjson.stdout,
        ndjson.stderr,
        trail.stdout,
        trail.stderr,
        dataset.stderr,
        await readTree(datasetDir),
        await readTree(dir),
        ...received,
      ].join('\n');
      // The framework spans were exported, so the check covers them.
      expect(received.join('\n')).toContain('handoff Billing');
      expect(received.join('\n')).toContain('execute_tool search_notes');
      expect(everything).toContain('[REDACTED]');
      expect(leaksOf(everything, [CANARIES.OPENAI_API_KEY, CANARIES.COSMOS_KEY, LISTED_ONE, LISTED_TWO])).toEqual([]);
    } finally {
      await otlp.close();
    }
  }, 60_000);
});
