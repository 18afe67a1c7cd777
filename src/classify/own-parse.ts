import type { TraceStep } from '../contracts/trace-step.ts';
import type { ThrownVerdict } from './classify-thrown.ts';

/**
 * A subject's own parse of a model reply (`Answer.parse(JSON.parse(content))`), told from the
 * recorded exchanges: a ZodError thrown by the subject's own code (source subject_schema) is the
 * model's output (model_output_schema) when the content of the run's last recorded model reply is
 * JSON that every issue applies to: the issue's path, less its last key, leads to an object or
 * array in it, and its last key is absent there exactly when the issue says nothing was received.
 * At least one issue must have a path. Limits (docs/own-agent.md): a reply cut in the record (a
 * body over the preview limit), a subject that reshapes the reply before parsing it, or a schema
 * applied to the whole value at its root stay subject_schema.
 */
export function ownParseOfModelReply(verdict: ThrownVerdict, steps: readonly TraceStep[]): ThrownVerdict {
  if (verdict.kind !== 'validation_error' || verdict.source !== 'subject_schema') return verdict;
  const reply = lastReplyContent(steps);
  if (reply === undefined) return verdict;
  const issues = verdict.issues;
  if (!issues.some((i) => i.path !== '')) return verdict;
  for (const issue of issues) {
    const keys = splitPath(issue.path);
    if (keys.length === 0) return verdict;
    const parent = walk(reply, keys.slice(0, -1));
    if (parent === null || typeof parent !== 'object') return verdict;
    const present = Object.hasOwn(parent as object, String(keys.at(-1)));
    const missing = /received undefined/.test(issue.message);
    if (present === missing) return verdict;
  }
  return {
    ...verdict,
    source: 'model_output_schema',
    where: "the model's structured output, as the subject parsed it",
  };
}

/** The JSON content of the last model reply recorded whole, or undefined. */
function lastReplyContent(steps: readonly TraceStep[]): unknown {
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    if (step.type !== 'model_call') continue;
    if (!step.response || step.response.truncated) return undefined;
    const content = contentOf(step.response.text);
    if (content === undefined) return undefined;
    try {
      return JSON.parse(content);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The assistant text of a recorded response: a chat completion's or the Responses API's, else the text itself (a stream's). */
function contentOf(text: string): string | undefined {
  let body: { choices?: { message?: { content?: unknown } }[]; output?: unknown } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    return text;
  }
  const message = body?.choices?.[0]?.message?.content;
  if (typeof message === 'string') return message;
  if (Array.isArray(body?.output)) {
    const texts = (body.output as { type?: string; content?: { type?: string; text?: unknown }[] }[])
      .filter((o) => o.type === 'message')
      .flatMap((o) => (o.content ?? []).filter((c) => c.type === 'output_text').map((c) => String(c.text ?? '')));
    return texts.length > 0 ? texts.join('') : undefined;
  }
  return undefined;
}

/** "items[0].price" as ["items", 0, "price"] (the inverse of formatPath). */
function splitPath(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) keys.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return keys;
}

function walk(value: unknown, keys: readonly (string | number)[]): unknown {
  let at = value;
  for (const key of keys) {
    if (at === null || typeof at !== 'object') return null;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}
