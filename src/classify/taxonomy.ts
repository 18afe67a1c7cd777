import type { ErrorInfo } from '../contracts/common.ts';
import type { TaxonomyRefs } from '../contracts/failure-event.ts';
import type { TraceStep } from '../contracts/trace-step.ts';
import type { Detection } from './detection.ts';

/**
 * The rule table's name; a change of rules is a new version, so stored labels never shift.
 * 2 added the row for an MCP client that lost its server before any call failed (README,
 * "Taxonomy labels"): an McpError -32000 of a user's own MCP client was unlabelled under 1.
 */
export const TAXONOMY_VERSION = 'lab-taxonomy/2';

type Trail = readonly [string, string, string];
type Mast = { id: string; name: string };

// TRAIL's categories, by their full path, spelled as TRAIL's own taxonomy and benchmark prompt spell them
// (an analyzer scored on TRAIL matches the leaf name exactly).
const RATE_LIMITING: Trail = ['System Execution Errors', 'API Issues', 'Rate Limiting'];
const AUTHENTICATION: Trail = ['System Execution Errors', 'API Issues', 'Authentication Errors'];
const SERVICE: Trail = ['System Execution Errors', 'API Issues', 'Service Errors'];
const NOT_FOUND: Trail = ['System Execution Errors', 'API Issues', 'Resource Not Found'];
const EXHAUSTION: Trail = ['System Execution Errors', 'Resource Management', 'Resource Exhaustion'];
const TIMEOUT: Trail = ['System Execution Errors', 'Resource Management', 'Timeout Issues'];
const TOOL_DEFINITION: Trail = ['System Execution Errors', 'Configuration', 'Tool Definition Issues'];
const LANGUAGE_HALLUCINATION: Trail = ['Reasoning Errors', 'Hallucinations', 'Language-only'];
const TOOL_HALLUCINATION: Trail = ['Reasoning Errors', 'Hallucinations', 'Tool-related'];
const TOOL_SELECTION: Trail = ['Reasoning Errors', 'Decision Making', 'Tool Selection Errors'];
const FORMATTING: Trail = ['Reasoning Errors', 'Output Generation', 'Formatting Errors'];
const NON_COMPLIANCE: Trail = ['Reasoning Errors', 'Output Generation', 'Instruction Non-compliance'];
const RESOURCE_ABUSE: Trail = ['Planning and Coordination Errors', 'Context Management', 'Resource Abuse'];

// MAST's failure modes that a trace can show without reading the agents' reasoning.
const DISOBEY_TASK: Mast = { id: '1.1', name: 'Disobey task specification' };
const STEP_REPETITION: Mast = { id: '1.3', name: 'Step repetition' };
const UNAWARE_OF_TERMINATION: Mast = { id: '1.5', name: 'Unaware of termination conditions' };

/** Error classes of an agent that ran out of turns or steps (the lab's subjects, the OpenAI Agents SDK, the AI SDK adapter). */
const TURN_LIMIT_CLASSES = new Set(['MaxTurnsExceededError', 'TurnLimitError', 'StepLimitError']);
/** Error classes of a tool the subject never declared, or a model that asked for one. */
const UNKNOWN_TOOL_CLASSES = new Set(['UnknownToolError', 'NoSuchToolError']);
/** Error classes of a guardrail that tripped. */
const GUARDRAIL_CLASSES = new Set(['InputGuardrailTripwireTriggered', 'OutputGuardrailTripwireTriggered']);
/** A retry loop: this many failed attempts at one target in a row is resource abuse (a bounded retry of 3 is not). */
const RETRY_LOOP_ATTEMPTS = 5;

/** What a rule matched: the labels, and whether TRAIL would mark its last occurrence (resource abuse). */
export interface TaxonomyMatch {
  refs: TaxonomyRefs;
  /** Resource abuse is located at its last occurrence, every other category at its first. */
  markLast: boolean;
}

/**
 * The failure in the public taxonomies' vocabulary, by the rule table in the README ("Taxonomy
 * labels"), first rule that applies wins. A failure no rule covers gets null for that taxonomy.
 */
export function taxonomyOf(detection: Detection, steps: readonly TraceStep[]): TaxonomyMatch {
  const refs = (trail: Trail | null, mast: Mast | null = null, markLast = false): TaxonomyMatch => ({
    refs: { version: TAXONOMY_VERSION, trail: trail ? { path: [...trail] } : null, mast },
    markLast,
  });
  switch (detection.kind) {
    case 'timeout':
      if (retryLoop(steps)) return refs(RESOURCE_ABUSE, STEP_REPETITION, true);
      return refs(TIMEOUT);
    case 'validation_error':
      if (detection.source === 'subject_schema') return refs(null);
      // The output, the model's structured output or a tool's arguments broke their declared form.
      return refs(FORMATTING, DISOBEY_TASK);
    case 'hallucination_flag':
      return detection.flags.every((f) => f.check === 'declared_tools_only')
        ? refs(TOOL_HALLUCINATION)
        : refs(LANGUAGE_HALLUCINATION);
    case 'exception':
      return exceptionRefs(detection.error, steps, refs);
  }
}

function exceptionRefs(
  error: ErrorInfo,
  steps: readonly TraceStep[],
  refs: (trail: Trail | null, mast?: Mast | null, markLast?: boolean) => TaxonomyMatch,
): TaxonomyMatch {
  const status = error.status ?? lastFailedStatus(steps);
  if (TURN_LIMIT_CLASSES.has(error.class) || /\bdid not finish within \d+ (turns|steps)\b/.test(error.message))
    return refs(RESOURCE_ABUSE, UNAWARE_OF_TERMINATION, true);
  if (retryLoop(steps) && status !== 429) return refs(RESOURCE_ABUSE, STEP_REPETITION, true);
  if (status === 429) return refs(RATE_LIMITING);
  if (status === 401 || status === 403) return refs(AUTHENTICATION);
  if (status === 404) return refs(NOT_FOUND);
  if (status !== null && status >= 500) return refs(SERVICE);
  if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') return refs(EXHAUSTION);
  const mcp = mcpRefs(steps);
  if (mcp) return refs(mcp);
  if (mcpServerLost(error)) return refs(SERVICE);
  if (UNKNOWN_TOOL_CLASSES.has(error.class) || steps.some((s) => s.type === 'tool_call' && !s.declared))
    return refs(TOOL_SELECTION);
  if (GUARDRAIL_CLASSES.has(error.class)) return refs(NON_COMPLIANCE, DISOBEY_TASK);
  if (error.class === 'ToolCallError' || error.class === 'InvalidToolInputError') return refs(TOOL_DEFINITION);
  // The endpoint broke the connection or the protocol: a cut stream, a malformed body, no answer.
  if (
    ['APIConnectionError', 'APICallError', 'MalformedBodyError'].includes(error.class) ||
    /\bterminated\b/.test(error.message) ||
    steps.some((s) => s.type === 'model_call' && s.error?.class === 'MalformedBodyError')
  )
    return refs(SERVICE);
  return refs(null);
}

/** JSON-RPC codes of a call the server could not take as sent: Method not found, Invalid params. */
const MCP_DEFINITION_CODES = new Set(['-32601', '-32602']);

/**
 * A run whose first failed call is an MCP server's tool call (docs/chaos-mcp.md), by how it
 * failed: a call the server refused as not fitting its tool's definition (a changed input schema,
 * an unknown method) is a tool definition issue; any other error answer, a tool error result, a
 * reply that is not JSON-RPC or a transport that closed is the service's error. A call never
 * answered (a timeout), a first failure elsewhere, or none: no rule here.
 */
function mcpRefs(steps: readonly TraceStep[]): Trail | null {
  const failed = steps.find((s) => (s.type === 'tool_call' || s.type === 'model_call') && s.status === 'error');
  if (failed?.type !== 'tool_call' || failed.mcp === null) return null;
  const error = failed.error;
  if (!error) return null;
  if (error.class === 'McpJsonRpcError')
    return error.code && MCP_DEFINITION_CODES.has(error.code) ? TOOL_DEFINITION : SERVICE;
  if (['McpToolResultError', 'McpMalformedMessageError', 'McpDisconnectedError'].includes(error.class)) return SERVICE;
  return null;
}

/**
 * An MCP client's error for a server it lost, or never had, before any of its calls failed
 * (docs/chaos-mcp.md): the connection closed (a server that did not start, or exited), or its
 * Streamable HTTP endpoint answered a 5xx. The MCP SDK's v1 client says McpError -32000, its v2
 * client SdkError CONNECTION_CLOSED, and its HTTP transport StreamableHTTPError with the status as
 * its code. A status the error carries itself is the 5xx row's already.
 */
function mcpServerLost(error: ErrorInfo): boolean {
  if (error.class === 'McpError') return error.code === '-32000';
  if (error.class === 'SdkError') return error.code === 'CONNECTION_CLOSED';
  if (error.class === 'StreamableHTTPError') return Number(error.code) >= 500 && Number(error.code) <= 599;
  return false;
}

/** The HTTP status of the last model call that failed, when the error itself carries none. */
function lastFailedStatus(steps: readonly TraceStep[]): number | null {
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    if (step.type === 'model_call' && step.http_status !== null && step.http_status >= 400) return step.http_status;
  }
  return null;
}

/** The same target failed RETRY_LOOP_ATTEMPTS times or more in a row, retried each time. */
function retryLoop(steps: readonly TraceStep[]): boolean {
  const failedRetries = new Map<string, number>();
  for (const step of steps) {
    if (step.type !== 'recovery' || step.action !== 'retry') continue;
    failedRetries.set(step.target, step.outcome === 'failure' ? (failedRetries.get(step.target) ?? 1) + 1 : 0);
    if ((failedRetries.get(step.target) ?? 0) >= RETRY_LOOP_ATTEMPTS) return true;
  }
  return false;
}
