import OpenAI from 'openai';
import type { Scenario } from '../contracts/scenario.ts';
import { markOrigin } from '../classify/error-origin.ts';
import type { RecoveryKit } from '../recovery/recovery-kit.ts';
import type { ProxiedMcpServer, Subject, SubjectContext } from '../subject/subject.ts';
import type { StepRecorder } from './step-recorder.ts';
import { ToolRunner } from './tool-runner.ts';

/** Where the run's openai client points (a ModelSession, or its copy in a worker). */
export interface SessionInfo {
  baseURL: string;
  apiKey: string;
  model: string;
  /** The scripted server (not a live endpoint): model requests made in a turn of a conversation name it (TURN_HEADER). */
  scripted?: boolean;
}

/** The context a subject's run gets: input, a recorded openai client (built on first use), tools, signal. */
export function makeSubjectContext<I>({
  subject,
  scenario,
  input,
  session,
  deadlineMs,
  recorder,
  signal,
  recovery,
  mcp = {},
}: {
  subject: Subject<I, any>;
  scenario: Scenario;
  input: I;
  session: SessionInfo;
  deadlineMs: number;
  recorder: StepRecorder;
  signal: AbortSignal;
  recovery: RecoveryKit;
  /** Where the agent's MCP client reaches each of the subject's MCP servers (the run's proxy); none by default. */
  mcp?: Readonly<Record<string, ProxiedMcpServer>>;
}): SubjectContext<I> {
  const tools = new ToolRunner({
    specs: subject.tools ?? [],
    fixtures: scenario.tools,
    turnFixtures: scenario.turns?.map((t) => t.tools) ?? [],
    recorder,
    signal,
  });
  let client: OpenAI | undefined;
  const fetch = recorder.fetch(signal, { turnHeader: session.scripted === true });
  return {
    input,
    // Built on first use: constructing an openai client costs more than the rest of the wrapper.
    get client(): OpenAI {
      client ??= new OpenAI({
        baseURL: session.baseURL,
        apiKey: session.apiKey,
        maxRetries: scenario.client.max_retries,
        timeout: scenario.client.timeout_ms ?? deadlineMs + 1000,
        fetch,
      });
      return client;
    },
    model: session.model,
    tools,
    signal,
    recovery,
    endpoint: { baseURL: session.baseURL, apiKey: session.apiKey, fetch },
    parseModelOutput(schema, value) {
      try {
        return schema.parse(value);
      } catch (error) {
        markOrigin(error, { from: 'model_output' });
        throw error;
      }
    },
    setAgent: (name) => recorder.setAgent(name),
    mcp,
  };
}
