// How an MCP tool call that failed is recorded on its tool_call step (docs/chaos-mcp.md): each
// failure has its own class, so a step's error.class says which, and a JSON-RPC error keeps its code.

/** The server answered with a tool error result (CallToolResult with isError: true). */
export class McpToolResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'McpToolResultError';
  }
}

/** The server answered with a JSON-RPC error; `code` is its code, as text (ErrorInfo.code). */
export class McpJsonRpcError extends Error {
  readonly code: string;

  constructor(code: number, message: string) {
    super(`JSON-RPC error ${code}: ${message}`);
    this.name = 'McpJsonRpcError';
    this.code = String(code);
  }
}

/** The client was sent a message that is not JSON-RPC instead of an answer. */
export class McpMalformedMessageError extends Error {
  constructor() {
    super('the client was sent a message that is not JSON-RPC instead of the answer');
    this.name = 'McpMalformedMessageError';
  }
}

/** The transport closed before the call was answered. */
export class McpDisconnectedError extends Error {
  constructor(detail: string) {
    super(`the transport closed before the call was answered: ${detail}`);
    this.name = 'McpDisconnectedError';
  }
}

/**
 * A call that was never answered: its client gave up on it (notifications/cancelled, as a client
 * does when its own timer runs out), or it was still open when the run ended. Both end the same
 * way, so the record does not depend on whether the cancel reached the proxy before the run ended;
 * it is named TimeoutError, the name the lab's one timeout rule knows (src/classify/timeouts.ts).
 */
export class McpUnansweredError extends Error {
  constructor() {
    super('the call was never answered: its client gave up on it');
    this.name = 'TimeoutError';
  }
}
