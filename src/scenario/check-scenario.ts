import { z } from 'zod';
import { isLiveScript, type Scenario, type ScriptedReply } from '../contracts/scenario.ts';
import { formatPath } from '../internal/format-path.ts';
import { parsePath, type PathToken, pathInSchema, selectPath } from '../grounding/path.ts';
import type { Subject } from '../subject/subject.ts';
import { conversationMismatch } from '../execute/conversation.ts';
import { quote } from './terminal-text.ts';
import { checkVariantTools } from '../chaos/expand-variants.ts';

/** One problem found without running: where in the file, and what to do about it. */
export interface StaticProblem {
  path: (string | number)[];
  message: string;
}

/** HTTP statuses the openai client retries (as its retry logic does): timeout, conflict, throttling and server errors. */
const RETRIED_STATUSES = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

const outputSchemas = new WeakMap<Subject<any, any>, Record<string, unknown>>();

/** The JSON Schema of a subject's output, computed once per subject. */
function outputSchemaOf(subject: Subject<any, any>): Record<string, unknown> {
  let schema = outputSchemas.get(subject);
  if (!schema)
    outputSchemas.set(
      subject,
      (schema = z.toJSONSchema(subject.outputSchema, { io: 'output', unrepresentable: 'any' }) as Record<
        string,
        unknown
      >),
    );
  return schema;
}

/**
 * Everything `npm run lab -- scenarios` can tell about a valid scenario without running it:
 * its input against the subject's input schema; tool fixtures for tools the subject does not
 * declare, or that no scripted reply ever calls for (model-driven subjects); grounding paths that
 * are malformed, that select nothing in the scenario's own input, or that no output of the
 * subject could hold; a model script that is obviously too short; and variants' tool faults on
 * tools the subject lacks or calls the script never makes.
 */
export function checkScenario(scenario: Scenario, subject: Subject<any, any>): StaticProblem[] {
  const problems: StaticProblem[] = [];
  const input = subject.inputSchema.safeParse(scenario.input);
  if (!input.success) {
    for (const issue of input.error.issues)
      problems.push({
        path: ['input', ...(issue.path as (string | number)[])],
        message: `${issue.message} (checked against ${subject.id}'s input schema)`,
      });
  }
  problems.push(
    ...checkConversation(scenario, subject),
    ...checkMcp(scenario, subject),
    ...checkGrounding(scenario, subject),
    ...checkVariantTools(scenario, subject),
  );
  if (scenario.turns)
    scenario.turns.forEach((turn, i) => {
      const script = { replies: turn.replies, tools: turn.tools, at: ['turns', i], name: `turns[${i}].replies` };
      problems.push(...checkTools(script, subject, scenario), ...checkScript(script, scenario));
    });
  else {
    const script = { replies: scenario.model.replies, tools: scenario.tools, at: [], name: 'model.replies' };
    problems.push(...checkTools(script, subject, scenario), ...checkScript(script, scenario));
  }
  return problems;
}

/** One model script and its tool fixtures: the scenario's own, or one turn's; `at` is where they sit in the file. */
interface Script {
  replies: readonly ScriptedReply[];
  tools: Record<string, readonly unknown[]>;
  at: (string | number)[];
  /** How the file names the replies, in messages ("model.replies", "turns[1].replies"). */
  name: string;
}

/** A conversation for a subject that converses, and the script in its turns (docs/chaos-conversations.md). */
function checkConversation(scenario: Scenario, subject: Subject<any, any>): StaticProblem[] {
  const problems: StaticProblem[] = [];
  const problem = conversationMismatch(subject, scenario);
  if (problem) problems.push({ path: scenario.turns ? ['turns'] : ['subject'], message: problem });
  if (!scenario.turns) return problems;
  if (scenario.model.replies.length > 0)
    problems.push({
      path: ['model', 'replies'],
      message:
        "with turns, each turn has its own model script: move these replies into the turns' replies (turns[n].replies) and leave model.replies out",
    });
  if (Object.keys(scenario.tools).length > 0)
    problems.push({
      path: ['tools'],
      message:
        "with turns, each turn has its own tool fixtures: move them into the turns' tools (turns[n].tools) and leave tools out",
    });
  return problems;
}

function checkTools(script: Script, subject: Subject<any, any>, scenario: Scenario): StaticProblem[] {
  const problems: StaticProblem[] = [];
  const declared = (subject.tools ?? []).map((t) => t.name);
  const replies = expand(script.replies);
  const toolsAt = [...script.at, 'tools'];
  for (const [tool, fixtures] of Object.entries(script.tools)) {
    if (!declared.includes(tool)) {
      problems.push({
        path: [...toolsAt, tool],
        message: `${subject.id} declares no tool ${quote(tool)}. Available tools: ${declared.join(', ') || '(none)'}`,
      });
      continue;
    }
    if ((subject.toolsCalledBy ?? 'model') !== 'model') continue;
    // In a live script the real model asks for tools too: no count of the script's calls holds.
    if (isLiveScript(scenario)) continue;
    const calls = replies.reduce((n, r) => n + (r.tool_calls ?? []).filter((c) => c.name === tool).length, 0);
    if (calls === 0)
      problems.push({
        path: [...toolsAt, tool],
        message: `no reply in ${script.name} asks for ${quote(tool)}, so ${subject.id} never calls it and these fixtures are never used: add a reply with "tool_calls": [{"name": "${tool}", ...}] or remove them`,
      });
    else if (fixtures.length > calls)
      problems.push({
        path: [...toolsAt, tool, calls],
        message: `${fixtures.length} fixtures, but ${script.name} asks for ${quote(tool)} only ${calls} time${calls === 1 ? '' : 's'}: fixtures past the ${ordinal(calls)} are never used; remove them or add tool calls`,
      });
  }
  return problems;
}

/**
 * The scenario's `mcp` block and `mcp_start` name the subject's servers; (model-driven) the `mcp`
 * block faults tools its replies call, counted across the run as the proxy counts them (in a
 * conversation, over every turn's replies); and a server asked not to start has no call faults.
 */
function checkMcp(scenario: Scenario, subject: Subject<any, any>): StaticProblem[] {
  const problems: StaticProblem[] = [];
  const servers = Object.keys(subject.mcp_servers ?? {});
  const replies = expand(scenario.turns ? scenario.turns.flatMap((t) => t.replies) : scenario.model.replies);
  const script = scenario.turns ? "the turns' replies" : 'model.replies';
  const noServer = (server: string) =>
    `${subject.id} has no MCP server ${quote(server)}. Its mcp_servers: ${servers.join(', ') || '(none)'}`;
  for (const server of Object.keys(scenario.mcp_start ?? {}))
    if (!servers.includes(server)) problems.push({ path: ['mcp_start', server], message: noServer(server) });
  for (const [server, tools] of Object.entries(scenario.mcp)) {
    if (!servers.includes(server)) {
      problems.push({ path: ['mcp', server], message: noServer(server) });
      continue;
    }
    if (scenario.mcp_start?.[server] !== undefined) {
      const faulted = Object.entries(tools).find(([, faults]) => faults.some((f) => Object.keys(f).length > 0));
      if (faulted)
        problems.push({
          path: ['mcp', server, faulted[0]],
          message: `${quote(server)} is asked not to start (mcp_start.${server}), so no call reaches it and these faults never apply: remove them, or remove mcp_start.${server}`,
        });
      continue;
    }
    if ((subject.toolsCalledBy ?? 'model') !== 'model') continue;
    for (const [tool, faults] of Object.entries(tools)) {
      const calls = replies.reduce((n, r) => n + (r.tool_calls ?? []).filter((c) => c.name === tool).length, 0);
      if (calls === 0)
        problems.push({
          path: ['mcp', server, tool],
          message: `no reply in ${script} asks for ${quote(tool)}, so ${subject.id} never calls it and these faults are never used: add a reply with "tool_calls": [{"name": "${tool}", ...}] or remove them`,
        });
      else if (faults.length > calls)
        problems.push({
          path: ['mcp', server, tool, calls],
          message: `${faults.length} faults, but ${script} ask${scenario.turns ? '' : 's'} for ${quote(tool)} only ${calls} time${calls === 1 ? '' : 's'} in the run: faults past the ${ordinal(calls)} are never used; remove them or add tool calls`,
        });
    }
  }
  return problems;
}

function checkGrounding(scenario: Scenario, subject: Subject<any, any>): StaticProblem[] {
  const problems: StaticProblem[] = [];
  scenario.grounding.forEach((check, i) => {
    const at = (...rest: (string | number)[]) => ['grounding', i, ...rest];
    const parse = (path: string, where: (string | number)[]): PathToken[] | null => {
      try {
        return parsePath(path);
      } catch (error) {
        problems.push({ path: where, message: (error as Error).message });
        return null;
      }
    };
    const inputPath = (path: string, where: (string | number)[]) => {
      const tokens = parse(path, where);
      if (tokens && selectPath(scenario.input, tokens).length === 0) {
        problems.push({
          path: where,
          message: `${quote(path)} selects nothing in this scenario's input (${describeKeys(scenario.input)}), so the check would have nothing to compare with: fix the path or the input`,
        });
      }
    };
    if (check.check === 'cited_ids_exist') inputPath(check.context_path, at('context_path'));
    if (check.check === 'numbers_in_sources' || check.check === 'quotes_in_sources')
      check.source_paths.forEach((p, j) => inputPath(p, at('source_paths', j)));
    if (check.check === 'numbers_in_sources' && check.source_paths.length === 0 && !check.tool_results) {
      problems.push({
        path: at('source_paths'),
        message: 'no sources: give source_paths into the input, or set "tool_results": true',
      });
    }
    // Tool results as the only source of a subject with no tools: no run could ever have a source.
    if (
      check.check === 'numbers_in_sources' &&
      check.source_paths.length === 0 &&
      check.tool_results &&
      (subject.tools ?? []).length === 0 &&
      Object.keys(subject.mcp_servers ?? {}).length === 0
    ) {
      problems.push({
        path: at('tool_results'),
        message: `tool results are the only source, but ${subject.id} declares no tools, so no run could ever have a source: give source_paths into the input`,
      });
    }
    if (check.output_path !== undefined) {
      const tokens = parse(check.output_path, at('output_path'));
      const fits = tokens && pathInSchema(tokens, outputSchemaOf(subject));
      if (fits && !fits.ok)
        problems.push({
          path: at('output_path'),
          message: `${quote(check.output_path)} can select nothing in any output of ${subject.id} (${fits.reason}): fix the path`,
        });
    }
  });
  return problems;
}

function checkScript(script: Script, scenario: Scenario): StaticProblem[] {
  const problems: StaticProblem[] = [];
  const replies = expand(script.replies);
  const repliesAt = script.at.length ? [...script.at, 'replies'] : ['model', 'replies'];
  const retries = scenario.client.max_retries;
  // Past a live script the real endpoint answers (docs/live.md): the script may end anywhere.
  if (isLiveScript(scenario)) return problems;
  if (retries > 0 && replies.length > 0) {
    // The client retries these statuses up to max_retries times, each retry a request of its own.
    let trailing = 0;
    while (trailing < replies.length && isRetried(replies[replies.length - 1 - trailing]!)) trailing++;
    const attempts = retries + 1;
    if (trailing % attempts !== 0) {
      const missing = attempts - (trailing % attempts);
      problems.push({
        path: repliesAt,
        message: `the script ends with ${trailing} repl${trailing === 1 ? 'y' : 'ies'} the openai client retries (client.max_retries is ${retries}), so it will ask for ${missing} more: add ${missing} repl${missing === 1 ? 'y' : 'ies'} (or lower client.max_retries)`,
      });
    }
  }
  const last = replies.at(-1);
  if (scenario.expected === null && last && !last.fault && (last.tool_calls?.length ?? 0) > 0) {
    problems.push({
      path: [...repliesAt, script.replies.length - 1],
      message:
        'this control must pass, but the last reply asks for tools, so the subject will ask the model again after running them and find no reply: add the reply that answers',
    });
  }
  return problems;
}

function isRetried(reply: ScriptedReply): boolean {
  return reply.fault?.status !== undefined && RETRIED_STATUSES(reply.fault.status);
}

/** The script with `times` unrolled, one entry per request. */
function expand(replies: readonly ScriptedReply[]): ScriptedReply[] {
  return replies.flatMap((r) => Array.from({ length: r.times ?? 1 }, () => r));
}

function describeKeys(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `the input is ${Array.isArray(value) ? 'an array' : typeof value}`;
  return `its keys are ${Object.keys(value).join(', ') || '(none)'}`;
}

function ordinal(n: number): string {
  return `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;
}

/** A problem's path as the scenario file writes it ("grounding[0].output_path"). */
export function problemPath(path: readonly (string | number)[]): string {
  return formatPath(path);
}
