import { LabError } from './lab-error.ts';

/**
 * An MCP server the subject declares could not start (its command failed, or it closed before
 * answering initialize), and the scenario did not ask for that: a fault of the set-up, not of the
 * subject, so the run is not classified (docs/chaos-mcp.md).
 */
export class McpServerStartError extends LabError {
  readonly server: string;

  constructor({
    server,
    scenarioId,
    reason,
    stderrTail,
    cause,
  }: { server: string; scenarioId: string; reason: string; stderrTail: string; cause?: unknown }) {
    super({
      message: `scenario ${scenarioId}: the MCP server "${server}" could not start: ${reason}.${
        stderrTail ? ` Its stderr ended with:\n${stderrTail}` : ' It wrote nothing to stderr.'
      }\nFix the server's command (or url) in the subject's mcp_servers.`,
      cause,
      exitCode: 2,
    });
    this.name = 'McpServerStartError';
    this.server = server;
  }

  static override isInstance(error: unknown): error is McpServerStartError {
    return LabError.isInstance(error) && (error as Error).name === 'McpServerStartError';
  }
}
