// Values of GenAI span attributes read from what a model call sent: one finish-reason
// vocabulary for every API and framework, and the requested output type.

/**
 * The finish reasons spans carry: OpenAI Chat Completions' own words (stop, length, tool_calls,
 * content_filter, error), so a dashboard counts one reason under one name whichever API or
 * framework made the call (the AI SDK says "tool-calls", the Responses API "completed").
 */
const FINISH_REASONS: Readonly<Record<string, string>> = {
  'tool-calls': 'tool_calls',
  tool_call: 'tool_calls',
  function_call: 'tool_calls',
  completed: 'stop',
  'content-filter': 'content_filter',
  incomplete: 'length',
  max_output_tokens: 'length',
  other: 'error',
  failed: 'error',
};

/** A finish reason in the one vocabulary spans use. */
export function normalizeFinishReason(reason: string): string {
  return FINISH_REASONS[reason] ?? reason;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * gen_ai.output.type of a request that asks for a format: "json" for a JSON schema or JSON
 * object (Chat Completions' response_format, the Responses API's text.format), "text" for text;
 * undefined when the request names none (or its body was cut before it).
 */
export function outputTypeOf(requestText: string): 'json' | 'text' | undefined {
  const request = parse(requestText);
  const format =
    (request?.response_format as { type?: unknown } | undefined)?.type ??
    ((request?.text as { format?: { type?: unknown } } | undefined)?.format?.type as unknown);
  if (format === 'json_schema' || format === 'json_object') return 'json';
  if (format === 'text') return 'text';
  return undefined;
}
