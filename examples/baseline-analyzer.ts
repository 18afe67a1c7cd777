// A rule-based failure analyzer: the weak baseline of the analyzer benchmark (docs/analyzers.md).
// It reads only blind traces (lab dataset --format lab) and writes one prediction per trace in the
// labels' line shape, which `lab score` compares with the labels.
//
//   node examples/baseline-analyzer.ts DIR/test/traces.ndjson > predictions.ndjson
//   npm run lab -- score --labels DIR/test/labels.ndjson --predictions predictions.ndjson
//
// Its rules read what any agent's telemetry shows: the error the run ended with and its HTTP
// status, the first span that failed, and numbers in the output that no tool result or input
// holds. It knows nothing of the scenarios, so it misses what only they define (schemas, ground
// truth, cited ids): the benchmark shows how far that gets.
import { readFileSync } from 'node:fs';

interface BlindError {
  class: string;
  message: string;
  status: number | null;
}
interface BlindSpan {
  span_id: string;
  step_index: number | null;
  kind: 'agent' | 'llm' | 'tool' | 'chain';
  agent: string | null;
  status: 'ok' | 'error' | 'aborted' | 'unfinished';
  error: BlindError | null;
  attributes: Record<string, unknown>;
}
interface BlindTrace {
  trace_id: string;
  agent: string;
  input: string;
  output: string | null;
  error: BlindError | null;
  spans: BlindSpan[];
}
interface Prediction {
  trace_id: string;
  kind: 'timeout' | 'exception' | 'validation_error' | 'hallucination_flag' | null;
  location: { span_id: string; step_index: number | null } | null;
  agent: string | null;
  trail_category: string | null;
}

/** The category an HTTP status or an error class points to, in TRAIL's leaf names. */
function categoryOf(error: BlindError): string | null {
  if (error.status === 429) return 'Rate Limiting';
  if (error.status === 401 || error.status === 403) return 'Authentication Errors';
  if (error.status === 404) return 'Resource Not Found';
  if (error.status !== null && error.status >= 500) return 'Service Errors';
  return null;
}

const NUMBER = /-?\d+(?:\.\d+)?/g;

export function analyze(trace: BlindTrace): Prediction {
  const [root, ...steps] = trace.spans;
  const failedStep = steps.find((s) => s.status === 'error' || s.status === 'aborted');
  const at = (s: BlindSpan | undefined) =>
    s ? { span_id: s.span_id, step_index: s.step_index } : { span_id: root!.span_id, step_index: null };
  const agentAt = (s: BlindSpan | undefined) => s?.agent ?? trace.agent;
  const error = trace.error;
  if (error) {
    const timedOut = error.class === 'AbortError' || /time(d)? ?out/i.test(`${error.class} ${error.message}`);
    if (timedOut)
      return {
        trace_id: trace.trace_id,
        kind: 'timeout',
        location: at(failedStep),
        agent: agentAt(failedStep),
        trail_category: 'Timeout Issues',
      };
    if (error.class === 'ZodError' || /validation|schema/i.test(error.class))
      return {
        trace_id: trace.trace_id,
        kind: 'validation_error',
        location: at(steps.findLast((s) => s.kind === 'llm')),
        agent: trace.agent,
        trail_category: 'Formatting Errors',
      };
    const status = error.status ?? failedStep?.error?.status ?? null;
    return {
      trace_id: trace.trace_id,
      kind: 'exception',
      location: at(failedStep),
      agent: agentAt(failedStep),
      trail_category: categoryOf({ ...error, status }),
    };
  }
  // The run returned: flag a number in the output that no tool result, reply or input holds.
  const sources = [trace.input, ...steps.map((s) => String(s.attributes['gen_ai.tool.call.result'] ?? ''))].join(' ');
  const known = new Set(sources.match(NUMBER) ?? []);
  const claimed = (trace.output ?? '').match(NUMBER) ?? [];
  if (claimed.some((n) => !known.has(n))) {
    const lastModel = steps.findLast((s) => s.kind === 'llm' && s.status === 'ok');
    return {
      trace_id: trace.trace_id,
      kind: 'hallucination_flag',
      location: at(lastModel),
      agent: agentAt(lastModel),
      trail_category: 'Language-only',
    };
  }
  return { trace_id: trace.trace_id, kind: null, location: null, agent: null, trail_category: null };
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node examples/baseline-analyzer.ts TRACES.ndjson > predictions.ndjson\n');
    process.exit(2);
  }
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim()) process.stdout.write(`${JSON.stringify(analyze(JSON.parse(line) as BlindTrace))}\n`);
  }
}
