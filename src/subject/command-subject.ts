import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { APIError } from 'openai';
import { z } from 'zod';
import { ScenarioSetError } from '../errors/scenario-set-error.ts';
import { ToolScriptError } from '../errors/tool-script-error.ts';
import { CommandConversation } from './command-conversation.ts';
import { CommandEndpoint } from './command-endpoint.ts';
import { type CommandSubjectFile, readCommandSubjectFile } from './command-subject-file.ts';
import type { Subject, SubjectContext } from './subject.ts';
import type { ToolSpec } from './tool.ts';

/** How much of stderr an exception keeps (its tail: where a traceback ends). */
export const STDERR_TAIL_CHARS = 2000;
/** Beyond this, stdout is not read further and the run is an exception. */
const MAX_STDOUT_BYTES = 16 * 1024 * 1024;

/** A command subject's process ended without a JSON document on stdout (exit code, signal or bad output). */
export class CommandExitError extends Error {
  /** "exit 1", "SIGSEGV" or "stdout_not_json". */
  readonly code: string;
  readonly stderrTail: string;

  constructor({ code, message, stderrTail }: { code: string; message: string; stderrTail: string }) {
    super(stderrTail ? `${message}; stderr tail:\n${stderrTail}` : message);
    this.name = 'CommandExitError';
    this.code = code;
    this.stderrTail = stderrTail;
  }
}

const ajv = new Ajv2020({ allErrors: true, strict: false });

/** A JSON Schema from a subject file as a zod type, so the lab's checks treat it like any other. */
function jsonSchemaType(schema: Record<string, unknown>, file: string, field: string): z.ZodType<unknown> {
  let validate: ReturnType<typeof ajv.compile>;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new ScenarioSetError({
      problems: [{ file, path: field, message: `not a valid JSON Schema: ${(error as Error).message}` }],
    });
  }
  // The metadata makes z.toJSONSchema (the subjects command, the scenario loader's path checks) give the file's schema.
  const { $schema: _dialect, $id: _id, id: _zodId, ...described } = schema;
  return z
    .unknown()
    .meta(described)
    .superRefine((value, ctx) => {
      if (validate(value)) return;
      for (const e of validate.errors ?? [])
        ctx.addIssue({
          code: 'custom',
          message: `${e.message ?? 'invalid'}${e.params && Object.keys(e.params).length ? ` (${JSON.stringify(e.params)})` : ''}`,
          path: e.instancePath
            .split('/')
            .slice(1)
            .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')),
        });
    });
}

/** Environment for a child: the lab's own, without anything that names another endpoint. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OPENAI_') && !k.startsWith('LAB_')) env[k] = v;
  return { ...env, ...extra };
}

/** Kills a detached child's whole process group; a group already gone is fine. */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left of the group.
  }
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stdoutOverflow: boolean;
  stderr: string;
}

/** Runs argv in its own process group with stdin, until it exits; the signal kills the whole group. */
function runProcess(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv, stdin: string, signal: AbortSignal) {
  return new Promise<Finished>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let overflow = false;
    let stderr = '';
    const onAbort = () => killGroup(child);
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes > MAX_STDOUT_BYTES) {
        overflow = true;
        killGroup(child);
      } else out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    child.stdin.on('error', () => {}); // An agent that never reads its input closes the pipe early.
    child.stdin.end(stdin);
    child.on('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    // Whatever the agent left running in its group goes with it: a finished run leaves no process.
    child.on('exit', () => killGroup(child));
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      resolve({ code, signal: sig, stdout: Buffer.concat(out).toString('utf8'), stdoutOverflow: overflow, stderr });
    });
  });
}

/** A declared tool of a command subject: past the fixtures, its own command, else a fault of the scenario. */
function commandTool(tool: CommandSubjectFile['tools'][number], cwd: string): ToolSpec {
  return {
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    async run(args, { signal }) {
      if (!tool.command) throw new ToolScriptError({ tool: tool.name, call: 0 });
      const done = await runProcess(tool.command, cwd, childEnv({}), JSON.stringify(args ?? null), signal);
      const tail = done.stderr.trim();
      if (done.code !== 0)
        throw new CommandExitError({
          code: done.signal ?? `exit ${done.code}`,
          message: `the tool command of ${tool.name} ${done.signal ? `was killed by ${done.signal}` : `exited with code ${done.code}`}`,
          stderrTail: tail,
        });
      try {
        return JSON.parse(done.stdout);
      } catch {
        throw new CommandExitError({
          code: 'stdout_not_json',
          message: `the tool command of ${tool.name} wrote no JSON document on stdout`,
          stderrTail: tail,
        });
      }
    },
  };
}

/**
 * A Subject whose run is a process in any language (docs/command-subjects.md): the run's endpoint
 * and tools URL go in its environment, the input on stdin, and its output is the JSON on stdout.
 * A subject file with `conversation: true` converses instead: one process for the whole
 * conversation, one JSON line per turn each way (command-conversation.ts).
 */
export function commandSubject(def: CommandSubjectFile, file: string): Subject<unknown, unknown> {
  const cwd = path.dirname(path.resolve(file));
  const base = {
    id: def.id,
    description: def.description,
    inputSchema: jsonSchemaType(def.input_schema, file, 'input_schema'),
    outputSchema: jsonSchemaType(def.output_schema, file, 'output_schema'),
    tools: def.tools.map((t) => commandTool(t, cwd)),
    ...(def.tools_called_by ? { toolsCalledBy: def.tools_called_by } : {}),
    runsAsProcess: true,
  };
  if (def.conversation) {
    // The subject object serves every run; each run's conversation is its own process.
    const conversations = new WeakMap<SubjectContext<unknown>, Promise<CommandConversation>>();
    return {
      ...base,
      async respond(message, history, ctx) {
        let conversation = conversations.get(ctx);
        if (!conversation) conversations.set(ctx, (conversation = CommandConversation.start(def.command, cwd, ctx)));
        return (await conversation).turn(history.length + 1, message);
      },
      async endConversation(ctx) {
        const conversation = conversations.get(ctx);
        conversations.delete(ctx);
        await (await conversation)?.close();
      },
    };
  }
  return {
    ...base,
    async run(ctx: SubjectContext<unknown>) {
      const endpoint = await CommandEndpoint.start(ctx);
      let done: Finished;
      try {
        const env = childEnv({
          OPENAI_BASE_URL: endpoint.baseURL,
          OPENAI_API_KEY: ctx.endpoint.apiKey,
          OPENAI_MODEL: ctx.model,
          LAB_TOOLS_URL: endpoint.toolsURL,
        });
        done = await runProcess(def.command, cwd, env, JSON.stringify(ctx.input), ctx.signal);
      } finally {
        endpoint.close();
      }
      if (endpoint.fault) throw endpoint.fault;
      return outputOf(done, endpoint);
    },
  };
}

/**
 * The run's output, or the exception that ends it. Precedence when the process failed: an HTTP
 * error the endpoint sent on the last model call (not followed by a success) names the exception,
 * as the openai SDK's class for that status (RateLimitError for 429) with the status kept, because
 * that is what the agent met even when its own error is generic; otherwise CommandExitError.
 */
function outputOf(done: Finished, endpoint: CommandEndpoint): unknown {
  const tail = done.stderr.trim();
  let failure: CommandExitError | null = null;
  if (done.stdoutOverflow)
    failure = new CommandExitError({
      code: 'stdout_too_large',
      message: `the agent wrote more than ${MAX_STDOUT_BYTES} bytes on stdout`,
      stderrTail: tail,
    });
  else if (done.signal)
    failure = new CommandExitError({
      code: done.signal,
      message: `the agent was killed by ${done.signal}`,
      stderrTail: tail,
    });
  else if (done.code !== 0)
    failure = new CommandExitError({
      code: `exit ${done.code}`,
      message: `the agent exited with code ${done.code}`,
      stderrTail: tail,
    });
  let output: unknown;
  if (!failure) {
    try {
      output = JSON.parse(done.stdout);
    } catch {
      failure = new CommandExitError({
        code: 'stdout_not_json',
        message: `the agent exited 0 but its stdout is not a JSON document: ${JSON.stringify(done.stdout.slice(0, 200))}`,
        stderrTail: tail,
      });
    }
  }
  if (!failure) return output;
  const http = endpoint.lastHttpError;
  if (http) {
    const error = APIError.generate(http.status, http.body as object, undefined, http.headers);
    error.message = `the endpoint answered ${http.status} and then ${failure.message.charAt(0).toLowerCase()}${failure.message.slice(1)}`;
    error.cause = failure;
    throw error;
  }
  throw failure;
}

/** Loads a command subject file (`<id>.subject.yaml` or `.json`) as a Subject. */
export async function loadCommandSubject(file: string): Promise<Subject<unknown, unknown>> {
  return commandSubject(await readCommandSubjectFile(file), file);
}
