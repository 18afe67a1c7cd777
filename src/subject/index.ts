// What a subject file imports: the subject and tool definitions, and nothing of the lab's
// machinery, so a subject loads fast (in a worker thread it is loaded for every run).
export {
  type ConversationEntry,
  defineSubject,
  type McpServerSpec,
  type ProxiedMcpServer,
  type Subject,
  type SubjectContext,
  type ToolBox,
} from './subject.ts';
export { defineTool, type ToolSpec, UnknownToolError } from './tool.ts';
export {
  type ActionMetadata,
  type CircuitBreaker,
  CircuitOpenError,
  type FallbackOptions,
  type Recovery,
  type RetryPolicy,
} from './recovery.ts';
