import type { Preview } from '../contracts/common.ts';

/** What the lab reads out of a model endpoint's reply body. */
export interface ModelResponseSummary {
  /** For JSON, the body itself; for a stream, the assembled assistant text. */
  text: string;
  type: Preview['type'];
  responseId: string | null;
  responseModel: string | null;
  finishReason: string | null;
  usage: { input_tokens: number; output_tokens: number } | null;
  toolCalls: { id: string; name: string; arguments: string }[];
  /** The error message of an error body. */
  errorMessage: string | null;
}

type Json = Record<string, any>;

/** Reads a chat.completions or responses body (JSON or SSE). Returns null when it is neither. */
export function summarizeModelResponse(body: string, contentType: string): ModelResponseSummary | null {
  if (contentType.includes('text/event-stream')) return summarizeStream(body);
  let json: Json;
  try {
    json = JSON.parse(body) as Json;
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null) return null;
  const base = {
    text: body,
    type: 'object' as const,
    responseId: str(json.id),
    responseModel: str(json.model),
    errorMessage: str(json.error?.message),
  };
  if (Array.isArray(json.choices)) {
    const choice = json.choices[0] ?? {};
    return {
      ...base,
      finishReason: str(choice.finish_reason),
      usage: json.usage
        ? { input_tokens: json.usage.prompt_tokens ?? 0, output_tokens: json.usage.completion_tokens ?? 0 }
        : null,
      toolCalls: (choice.message?.tool_calls ?? []).map((c: Json) => ({
        id: String(c.id ?? ''),
        name: String(c.function?.name ?? ''),
        arguments: String(c.function?.arguments ?? ''),
      })),
    };
  }
  if (Array.isArray(json.output)) {
    return {
      ...base,
      finishReason: str(json.status),
      usage: json.usage
        ? { input_tokens: json.usage.input_tokens ?? 0, output_tokens: json.usage.output_tokens ?? 0 }
        : null,
      toolCalls: json.output
        .filter((item: Json) => item.type === 'function_call')
        .map((c: Json) => ({
          id: String(c.call_id ?? ''),
          name: String(c.name ?? ''),
          arguments: String(c.arguments ?? ''),
        })),
    };
  }
  return { ...base, finishReason: null, usage: null, toolCalls: [] };
}

function summarizeStream(body: string): ModelResponseSummary {
  let text = '';
  let finishReason: string | null = null;
  let usage: ModelResponseSummary['usage'] = null;
  let responseId: string | null = null;
  let responseModel: string | null = null;
  const calls: { id: string; name: string; arguments: string }[] = [];
  for (const line of body.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') continue;
    let chunk: Json;
    try {
      chunk = JSON.parse(data) as Json;
    } catch {
      continue;
    }
    responseId ??= str(chunk.id);
    responseModel ??= str(chunk.model);
    if (chunk.usage)
      usage = { input_tokens: chunk.usage.prompt_tokens ?? 0, output_tokens: chunk.usage.completion_tokens ?? 0 };
    for (const choice of chunk.choices ?? []) {
      if (typeof choice.delta?.content === 'string') text += choice.delta.content;
      if (choice.finish_reason) finishReason = choice.finish_reason;
      for (const delta of choice.delta?.tool_calls ?? []) {
        const call = (calls[delta.index ?? 0] ??= { id: '', name: '', arguments: '' });
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.name += delta.function.name;
        if (delta.function?.arguments) call.arguments += delta.function.arguments;
      }
    }
  }
  return {
    text,
    type: 'string',
    responseId,
    responseModel,
    finishReason,
    usage,
    toolCalls: calls.filter(Boolean),
    errorMessage: null,
  };
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
