// The GenAI semantic-convention names. @opentelemetry/semantic-conventions marks its GenAI
// constants deprecated (they moved to a repository with no JS package yet), so we keep our own.

export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const GEN_AI_EVALUATION_RESULT = 'gen_ai.evaluation.result';
export const GEN_AI_EVALUATION_NAME = 'gen_ai.evaluation.name';
export const GEN_AI_EVALUATION_SCORE_LABEL = 'gen_ai.evaluation.score.label';
export const GEN_AI_EVALUATION_EXPLANATION = 'gen_ai.evaluation.explanation';
/** Stable: the host and port of the model endpoint a call went to. */
export const SERVER_ADDRESS = 'server.address';
export const SERVER_PORT = 'server.port';
/** Stable: the class of error a span ended with. */
export const ERROR_TYPE = 'error.type';

// The MCP conventions (open-telemetry/semantic-conventions-genai, model/mcp: development status),
// on the span of a tool call the lab's MCP proxy passed to a server (docs/chaos-mcp.md).
export const MCP_METHOD_NAME = 'mcp.method.name';
export const MCP_SESSION_ID = 'mcp.session.id';
export const JSONRPC_REQUEST_ID = 'jsonrpc.request.id';
/** The JSON-RPC error code of an answer that carried one, as a string. */
export const RPC_RESPONSE_STATUS_CODE = 'rpc.response.status_code';
/** "pipe" for stdio, "tcp" for Streamable HTTP. */
export const NETWORK_TRANSPORT = 'network.transport';
/** The lab's own: the server's name in the subject's mcp_servers. */
export const LAB_MCP_SERVER = 'lab.mcp.server';

// The lab's own attributes on the run span.
export const LAB_SCENARIO_ID = 'lab.scenario.id';
export const LAB_EXPECTED = 'lab.expected';
export const LAB_DETECTED = 'lab.detected';
export const LAB_FAILURE_ID = 'lab.failure_id';

// The lab's own attributes on a recovery action's span.
export const LAB_RECOVERY_ACTION = 'lab.recovery.action';
export const LAB_RECOVERY_TARGET = 'lab.recovery.target';
export const LAB_RECOVERY_EPISODE = 'lab.recovery.episode';
export const LAB_RECOVERY_OUTCOME = 'lab.recovery.outcome';
export const LAB_FALLBACK_TYPE = 'lab.fallback.type';
/** The turn of a conversation a step belongs to (docs/chaos-conversations.md): on a turn's span and on every span inside it. */
export const LAB_TURN = 'lab.turn';
