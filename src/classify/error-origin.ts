/**
 * Where a thrown error came from, when the lab can tell: a model reply parsed against a schema
 * (openai's zod helpers, ctx.parseModelOutput), or a tool's own code. A ZodError's kind does not
 * depend on it, but its source and message do: a schema that rejected the model's structured
 * output is not one that rejected the subject's own config.
 */
export type ErrorOrigin = { from: 'model_output' } | { from: 'tool'; tool: string };

const origins = new WeakMap<object, ErrorOrigin>();

/** openai's zod helpers (chat.completions.parse, responses.parse, zodFunction tools) throw from these files. */
const OPENAI_PARSER_FRAME = /[\\/]node_modules[\\/]openai[\\/](?:helpers|lib)[\\/]/;

/** Remembers where an error came from; the first boundary it crossed wins (the innermost). */
export function markOrigin(error: unknown, origin: ErrorOrigin): void {
  if (typeof error === 'object' && error !== null && !origins.has(error)) origins.set(error, origin);
}

/**
 * Where an error came from: a boundary it crossed (a tool call, ctx.parseModelOutput), else the
 * openai parser when its stack starts there, else null (the subject's own code).
 */
export function originOf(error: unknown): ErrorOrigin | null {
  if (typeof error !== 'object' || error === null) return null;
  const marked = origins.get(error);
  if (marked) return marked;
  const stack = (error as { stack?: unknown }).stack;
  const top = typeof stack === 'string' ? stack.split('\n').find((line) => /^\s+at /.test(line)) : undefined;
  return top && OPENAI_PARSER_FRAME.test(top) ? { from: 'model_output' } : null;
}

const agents = new WeakMap<object, string>();

/**
 * Names the agent a thrown error belongs to, where a framework says so and no step shows it (a
 * guardrail of that agent tripped): the failure is then located at that agent, not the subject.
 */
export function markAgent(error: unknown, agent: string): void {
  if (typeof error === 'object' && error !== null) agents.set(error, agent);
}

/** The agent markAgent named for an error, or null. */
export function agentOf(error: unknown): string | null {
  return typeof error === 'object' && error !== null ? (agents.get(error) ?? null) : null;
}
