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
 * The client cancelled the call (notifications/cancelled) before it was answered. A client that
 * gave up because its own timer ran out says so in its reason; the error is then named
 * TimeoutError, the name the lab's one timeout rule knows (src/classify/timeouts.ts).
 */
export class McpCancelledError extends Error {
  constructor(reason: string | null) {
    super(`the client cancelled the call${reason ? `: ${reason}` : ''}`);
    this.name = reason !== null && /\btimed? ?out\b/i.test(reason) ? 'TimeoutError' : 'McpCancelledError';
  }
}
