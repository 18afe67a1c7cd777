import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type OpenAI from 'openai';
import { z } from 'zod';
import { defineSubject } from '../src/subject/index.ts';

const SERVER = fileURLToPath(new URL('../examples/mcp-weather-server/server.ts', import.meta.url));

const Forecast = z.object({
  city: z.string(),
  high_c: z.number(),
  low_c: z.number(),
  summary: z.string(),
});

/** Thrown when the MCP server answers a tool call with a tool error result (isError: true). */
export class McpToolFailedError extends Error {
  constructor(tool: string, text: string) {
    super(`the MCP tool ${tool} failed: ${text}`);
    this.name = 'McpToolFailedError';
  }
}

/**
 * A forecast agent written on the MCP SDK's own Client and the openai client: it lists the weather
 * server's tools, offers them to the model, and calls what the model asks for; any MCP failure
 * (a tool error result, a JSON-RPC error, a closed transport, a timeout) fails the run.
 */
export default defineSubject({
  id: 'mcp-client-forecast',
  description:
    "The MCP SDK's own Client (stdio or Streamable HTTP, input.transport) and Chat Completions in a loop: the weather MCP server's tools are offered to the model; a tool error result, a JSON-RPC error, a closed transport or a call past call_timeout_ms fails the run.",
  inputSchema: z.strictObject({
    city: z.string().min(1),
    transport: z.enum(['stdio', 'http']).default('stdio'),
    /** The MCP request timeout of each tool call, in ms. */
    call_timeout_ms: z.int().positive().default(15000),
    max_turns: z.int().positive().default(4),
  }),
  outputSchema: Forecast,
  mcp_servers: { weather: { command: [process.execPath, SERVER] } },
  async run(ctx) {
    const { city, transport, call_timeout_ms, max_turns } = ctx.input;
    const proxied = ctx.mcp.weather!;
    const client = new Client({ name: 'mcp-client-forecast', version: '1.0.0' });
    await client.connect(
      transport === 'stdio'
        ? new StdioClientTransport({ command: proxied.command, args: [...proxied.args], stderr: 'ignore' })
        : new StreamableHTTPClientTransport(new URL(proxied.url)),
      { signal: ctx.signal },
    );
    try {
      const { tools } = await client.listTools(undefined, { signal: ctx.signal });
      const offered: OpenAI.Chat.Completions.ChatCompletionTool[] = tools.map((t) => ({
        type: 'function',
        function: { name: t.name, description: t.description ?? '', parameters: t.inputSchema },
      }));
      const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
        { role: 'system', content: 'Answer with JSON {city, high_c, low_c, summary}; use the tools.' },
        { role: 'user', content: `Forecast for ${city}` },
      ];
      for (let turn = 0; turn < max_turns; turn++) {
        const completion = await ctx.client.chat.completions.create(
          { model: ctx.model, messages, tools: offered },
          { signal: ctx.signal },
        );
        const message = completion.choices[0]!.message;
        messages.push(message);
        const calls = (message.tool_calls ?? []).filter((c) => c.type === 'function');
        if (calls.length === 0) return JSON.parse(message.content ?? '');
        for (const call of calls) {
          const result = await client.callTool(
            { name: call.function.name, arguments: JSON.parse(call.function.arguments || '{}') },
            undefined,
            { signal: ctx.signal, timeout: call_timeout_ms },
          );
          const text = (result.content as { type: string; text?: string }[])
            .flatMap((c) => (c.type === 'text' && c.text !== undefined ? [c.text] : []))
            .join('\n');
          if (result.isError) throw new McpToolFailedError(call.function.name, text);
          messages.push({ role: 'tool', tool_call_id: call.id, content: text });
        }
      }
      throw new Error(`did not finish within ${max_turns} turns`);
    } finally {
      await client.close();
    }
  },
});
