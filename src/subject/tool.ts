/** A tool a subject declares: its JSON-schema signature for the model and its implementation. */
export interface ToolSpec<A = any> {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly parameters: Record<string, unknown>;
  run(args: A, ctx: { signal: AbortSignal }): unknown;
}

/** Identity helper that infers a tool's argument type. */
export function defineTool<A>(tool: ToolSpec<A>): ToolSpec<A> {
  return tool;
}

/** Thrown to the subject when it calls a tool it never declared. */
export class UnknownToolError extends Error {
  readonly tool: string;

  constructor({ tool, known }: { tool: string; known: readonly string[] }) {
    super(`unknown tool "${tool}". Available tools: ${known.join(', ') || '(none)'}`);
    this.name = 'UnknownToolError';
    this.tool = tool;
  }
}
