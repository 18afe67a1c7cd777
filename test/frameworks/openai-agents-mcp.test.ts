import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { getAllMcpTools } from '@openai/agents-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Scenario } from '../../src/contracts/scenario.ts';
import type { ToolCallStep } from '../../src/contracts/trace-step.ts';
import { runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import { Agent, agentsLab, MCPServerStdio } from '../../src/frameworks/openai-agents.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { defineSubject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';

const SERVER = path.join(ROOT, 'examples/mcp-weather-server/server.ts');
const Forecast = z.object({
  city: z.string(),
  high_c: z.number().nullable(),
  low_c: z.number().nullable(),
  summary: z.string(),
});

/**
 * agents-mcp-forecast over stdio, with what another run of it in the same process does placed at
 * the moments that matter: the other run's server, of the same name, lists its tools after this
 * run connects (so the SDK's process-wide cache holds the other run's list when this run's first
 * turn looks), and closes once this run's tool call has failed (which empties that cache before
 * this run's second turn looks again).
 */
const interleaved = defineSubject({
  id: 'agents-mcp-forecast-interleaved',
  description: 'agents-mcp-forecast over stdio, with another run of the same server name closing between its turns.',
  inputSchema: z.strictObject({ city: z.string(), transport: z.literal('stdio') }),
  outputSchema: Forecast,
  mcp_servers: { weather: { command: [process.execPath, SERVER] } },
  async run(ctx) {
    const proxied = ctx.mcp.weather!;
    const options = { name: 'weather', cacheToolsList: true, clientSessionTimeoutSeconds: 60 };
    const own = new MCPServerStdio({ ...options, command: proxied.command, args: [...proxied.args] });
    const other = new MCPServerStdio({ ...options, command: process.execPath, args: [SERVER] });
    await own.connect();
    await other.connect();
    try {
      await getAllMcpTools({ mcpServers: [other] });
      const lab = agentsLab(ctx);
      // Emitted after the tool ran and before the next turn: close() empties the SDK's cache at once.
      lab.runner.on('agent_tool_end', () => void other.close());
      const forecaster = new Agent({
        name: 'Forecaster',
        instructions:
          "Give tomorrow's forecast for the city with get_forecast. If the tool fails, say so in the summary and give null temperatures.",
        mcpServers: [own],
        outputType: Forecast,
      });
      return (await lab.run(forecaster, `Forecast for ${ctx.input.city}`, { maxTurns: 4 })).finalOutput;
    } finally {
      await Promise.allSettled([own.close(), other.close()]);
    }
  },
});

let server: ScriptedModelServer;
beforeAll(async () => {
  server = await ScriptedModelServer.start();
});
afterAll(async () => {
  await server.close();
});

describe('an Agents SDK run lists its own MCP tools (the SDK caches them once per process, by server name)', () => {
  it('a disconnect over stdio gives the record it gives alone, whatever another run with a server of that name does between the turns', async () => {
    const file = path.join(ROOT, 'scenarios/agents-mcp-forecast-disconnect-invented.json');
    const { $schema: _, ...shipped } = JSON.parse(await readFile(file, 'utf8'));
    const scenario = Scenario.parse({ ...shipped, subject: interleaved.id });
    const { trace: record } = await runWithFailureDetection(interleaved, scenario, { model: server });
    const step = record.steps.find((s): s is ToolCallStep => s.type === 'tool_call' && s.mcp !== null);
    expect(step?.error).toMatchObject({ class: 'McpDisconnectedError' });
    // Had the second turn listed the tools again, through this run's closed server, the run would
    // have ended with the SDK's "Not connected" (an exception) before the model was asked again.
    expect(record.failure?.message).not.toMatch(/Not connected/);
    expect(record.detected).toBe('hallucination_flag');
    expect(record.steps.filter((s) => s.type === 'model_call')).toHaveLength(2);
  }, 60_000);
});
