import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { InjectedFault } from '../contracts/fault.ts';
import type { McpFault, McpScript } from '../contracts/mcp-fault.ts';

/** The property a tool's input schema gains after a tools_changed fault (required, so old calls no longer fit). */
export const CHANGED_SCHEMA_PROPERTY = 'revision';

/**
 * A run's MCP faults (the scenario's `mcp` block): counts each server's tool calls across the
 * run, whichever connection they come on, gives each its fault, keeps the record of what was
 * injected, and remembers which tools' schemas a tools_changed fault has changed.
 */
export class McpFaultPlan {
  readonly #script: McpScript;
  readonly #calls = new Map<string, number>();
  readonly #changed = new Map<string, Set<string>>();
  readonly injectedFaults: InjectedFault[] = [];
  /** Every tool a server listed in the run (tools/list), for the declared_tools_only check. */
  readonly listedTools = new Set<string>();

  constructor(script: McpScript) {
    this.#script = script;
  }

  /** The next call of a server's tool: its 1-based number and its fault, if the script has one. */
  next(server: string, tool: string): { index: number; fault: McpFault | undefined } {
    const key = `${server}\u0000${tool}`;
    const index = (this.#calls.get(key) ?? 0) + 1;
    this.#calls.set(key, index);
    return { index, fault: this.#script[server]?.[tool]?.[index - 1] };
  }

  /** Records a fault as injected into the step that recorded its call. */
  injected(server: string, tool: string, call: number, fault: McpFault, stepIndex: number | null): void {
    if (Object.keys(fault).length === 0) return; // {} passes the call on: nothing was injected.
    this.injectedFaults.push({
      source: 'script',
      site: { mcp: server, tool, call },
      step_index: stepIndex,
      step_type: stepIndex === null ? null : 'tool_call',
      fault,
    });
  }

  /** Records that a server asked not to start (the scenario's mcp_start) failed an agent's connect: once per server. */
  startFailed(server: string): void {
    if (this.injectedFaults.some((f) => 'mcp' in f.site && f.site.mcp === server && !('tool' in f.site))) return;
    this.injectedFaults.push({
      source: 'script',
      site: { mcp: server },
      step_index: null,
      step_type: null,
      fault: { start: 'fail' },
    });
  }

  changeSchema(server: string, tool: string): void {
    let tools = this.#changed.get(server);
    if (!tools) this.#changed.set(server, (tools = new Set()));
    tools.add(tool);
  }

  /** A tools/list answer, with the schema of every tool a tools_changed fault changed as it now is. */
  rewriteToolList<M extends JSONRPCMessage>(server: string, message: M): M {
    const changed = this.#changed.get(server);
    const result = (message as { result?: { tools?: unknown } }).result;
    if (result && Array.isArray(result.tools))
      for (const tool of result.tools as { name?: unknown }[])
        if (typeof tool?.name === 'string') this.listedTools.add(tool.name);
    if (!changed || !result || !Array.isArray(result.tools)) return message;
    const tools = result.tools.map((tool: { name?: unknown; inputSchema?: Record<string, unknown> }) => {
      if (typeof tool?.name !== 'string' || !changed.has(tool.name)) return tool;
      const schema = tool.inputSchema ?? { type: 'object' };
      const properties = (schema.properties as Record<string, unknown> | undefined) ?? {};
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      return {
        ...tool,
        inputSchema: {
          ...schema,
          properties: {
            ...properties,
            [CHANGED_SCHEMA_PROPERTY]: { type: 'string', description: 'Added by the server after tools/list_changed.' },
          },
          required: [...required.filter((r) => r !== CHANGED_SCHEMA_PROPERTY), CHANGED_SCHEMA_PROPERTY],
        },
      };
    });
    return { ...message, result: { ...result, tools } };
  }
}
