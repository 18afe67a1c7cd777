// An LLM judge for the analyzer benchmark (docs/analyzers.md): it sends each blind trace to any
// OpenAI-compatible model and parses its answer into a prediction in the labels' line shape.
//
//   OPENAI_BASE_URL=... OPENAI_API_KEY=... OPENAI_MODEL=gpt-4o-mini \
//     node examples/llm-judge.ts DIR/test/traces.ndjson > predictions.ndjson
//   npm run lab -- score --labels DIR/test/labels.ndjson --predictions predictions.ndjson
//
// An answer that is not the JSON asked for becomes a prediction with no fields but the trace id
// (nothing scored for it) and a line on stderr: a judge's bad answer costs its score, never the run.
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';

const KINDS = ['timeout', 'exception', 'validation_error', 'hallucination_flag'] as const;
const TRAIL_CATEGORIES = [
  'Language-only',
  'Tool-related',
  'Poor Information Retrieval',
  'Tool Output Misinterpretation',
  'Incorrect Problem Identification',
  'Tool Selection Errors',
  'Formatting Errors',
  'Instruction Non-compliance',
  'Tool Definition Issues',
  'Environment Setup Errors',
  'Rate Limiting',
  'Authentication Errors',
  'Service Errors',
  'Resource Not Found',
  'Resource Exhaustion',
  'Timeout Issues',
  'Context Handling Failures',
  'Resource Abuse',
  'Goal Deviation',
  'Task Orchestration',
];

/** The instructions: the four kinds, TRAIL's leaf categories, and the answer's JSON shape. */
export function promptFor(traceJson: string): string {
  return `You are analyzing the trace of one run of an LLM agent. Decide how the run ended:
- "timeout": it was cut off before it finished;
- "exception": it ended with an error;
- "validation_error": it returned, or its model replied, something that does not have the required structure;
- "hallucination_flag": it returned a well-formed answer with a claim its sources (tool results, input) do not support;
- null: it succeeded.
If it failed, give the span where the failure first shows (its span_id), the agent responsible, and the TRAIL category,
one of: ${TRAIL_CATEGORIES.join(', ')}.
Answer with one JSON object and nothing else:
{"kind": <one of ${KINDS.map((k) => `"${k}"`).join(', ')} or null>, "span_id": <span id or null>, "agent": <agent name or null>, "trail_category": <category or null>}

The trace:
${traceJson}`;
}

interface Prediction {
  trace_id: string;
  kind?: (typeof KINDS)[number] | null;
  location?: { span_id: string | null } | null;
  agent?: string | null;
  trail_category?: string | null;
}

/** The judge's answer as a prediction; null when the answer is not the JSON asked for. */
export function parseAnswer(traceId: string, text: string): Prediction | null {
  const match = /\{[\s\S]*\}/.exec(text);
  if (!match) return null;
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(match[0]) as Record<string, unknown>;
  } catch {
    return null;
  }
  const kind = answer.kind;
  if (kind !== null && !(KINDS as readonly unknown[]).includes(kind)) return null;
  const span = typeof answer.span_id === 'string' && /^[0-9a-f]{16}$/.test(answer.span_id) ? answer.span_id : null;
  return {
    trace_id: traceId,
    kind: kind as Prediction['kind'],
    location: kind === null ? null : { span_id: span },
    agent: typeof answer.agent === 'string' ? answer.agent : null,
    trail_category: typeof answer.trail_category === 'string' ? answer.trail_category : null,
  };
}

/** Judges every trace of an NDJSON file, one request at a time; returns the predictions. */
export async function judge(file: string, client: OpenAI, model: string): Promise<Prediction[]> {
  const out: Prediction[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const traceId = (JSON.parse(line) as { trace_id: string }).trace_id;
    const reply = await client.chat.completions.create({
      model,
      temperature: 0,
      messages: [{ role: 'user', content: promptFor(line) }],
    });
    const text = reply.choices[0]?.message.content ?? '';
    const prediction = parseAnswer(traceId, text);
    if (!prediction)
      process.stderr.write(`trace ${traceId}: the judge's answer is not the JSON asked for; not scored\n`);
    out.push(prediction ?? { trace_id: traceId });
  }
  return out;
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file || !process.env.OPENAI_BASE_URL) {
    process.stderr.write(
      'usage: OPENAI_BASE_URL=... OPENAI_API_KEY=... [OPENAI_MODEL=...] node examples/llm-judge.ts TRACES.ndjson\n',
    );
    process.exit(2);
  }
  const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY ?? 'none' });
  for (const p of await judge(file, client, process.env.OPENAI_MODEL ?? 'gpt-4o-mini'))
    process.stdout.write(`${JSON.stringify(p)}\n`);
}
