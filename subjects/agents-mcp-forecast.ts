import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Agent, agentsLab, MCPServerStdio, MCPServerStreamableHttp } from '../src/frameworks/openai-agents.ts';
import { defineSubject } from '../src/subject/index.ts';

const SERVER = fileURLToPath(new URL('../examples/mcp-weather-server/server.ts', import.meta.url));

const Forecast = z.object({
  city: z.string(),
  high_c: z.number().nullable(),
  low_c: z.number().nullable(),
  summary: z.string(),
});

/** A forecast agent on the Agents SDK whose only tools come from the lab's weather MCP server (docs/chaos-mcp.md). */
export default defineSubject({
  id: 'agents-mcp-forecast',
  description:
    "OpenAI Agents SDK: a Forecaster agent whose tools are the weather MCP server's, reached through MCPServerStdio or MCPServerStreamableHttp (input.transport); MCP failures go back to the model as the SDK's default error message, so what the model says next decides the run.",
  inputSchema: z.strictObject({
    city: z.string().min(1),
    transport: z.enum(['stdio', 'http']).default('stdio'),
    /** The SDK's per-request MCP timeout, in ms. */
    call_timeout_ms: z.int().positive().default(15000),
    max_turns: z.int().positive().default(4),
  }),
  outputSchema: Forecast,
  mcp_servers: { weather: { command: [process.execPath, SERVER] } },
  async run(ctx) {
    const { city, transport, call_timeout_ms, max_turns } = ctx.input;
    const proxied = ctx.mcp.weather!;
    const server =
      transport === 'stdio'
        ? new MCPServerStdio({
            name: 'weather',
            command: proxied.command,
            args: [...proxied.args],
            timeout: call_timeout_ms,
            // The SDK allows initialize and tools/list 5 s of its own: short on a busy machine.
            clientSessionTimeoutSeconds: 60,
            cacheToolsList: true,
          })
        : new MCPServerStreamableHttp({
            name: 'weather',
            url: proxied.url,
            timeout: call_timeout_ms,
            // The SDK allows initialize and tools/list 5 s of its own: short on a busy machine.
            clientSessionTimeoutSeconds: 60,
            cacheToolsList: true,
          });
    await server.connect();
    try {
      const lab = agentsLab(ctx);
      const forecaster = new Agent({
        name: 'Forecaster',
        instructions:
          "Give tomorrow's forecast for the city with get_forecast. If the tool fails, say so in the summary and give null temperatures.",
        mcpServers: [server],
        outputType: Forecast,
      });
      const { finalOutput } = await lab.run(forecaster, `Forecast for ${city}`, { maxTurns: max_turns });
      return finalOutput;
    } finally {
      await server.close();
    }
  },
});
