import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Scenario, ScriptedReply } from '../contracts/scenario.ts';
import { LabError } from '../errors/lab-error.ts';
import { ModelScriptError } from '../errors/model-script-error.ts';
import type { ModelEndpoint, ModelSession, SessionOptions } from './model-endpoint.ts';

/** The api key the scripted server is called with; it checks nothing, so this is no secret. */
export const SCRIPTED_API_KEY = 'scripted-model-no-key';

/** What the server saw of one request: for tests and for the abort check. */
export interface RequestLogEntry {
  runId: string;
  scenarioId: string;
  path: string;
  reply: number;
  /** The client closed the connection before the reply was complete (the request was cancelled). */
  aborted: boolean;
  /** The reply was sent completely. */
  completed: boolean;
}

/** What the server's thread is started with (besides its two ports). */
export interface ThreadData {
  port: number;
}

/** From the lab's thread to the server's thread. */
export type ControlMessage =
  | {
      type: 'open';
      runId: string;
      scenarioId: string;
      closeConnections: boolean;
      /** The scenario's script, sent once per scenario and known by its key afterwards. */
      key: number;
      replies: ScriptedReply[] | null;
      /** A conversation's scripts, one per turn (sent with replies, null otherwise). */
      turns?: ScriptedReply[][] | null;
    }
  | { type: 'forget'; key: number }
  | { type: 'end'; runId: string }
  | { type: 'listen'; on: boolean }
  | { type: 'close' };

/** From the server's thread to the lab's thread. */
export type ReportMessage =
  | { type: 'listening'; url: string }
  | { type: 'failed'; message: string }
  | { type: 'fault'; runId: string; text: string }
  | { type: 'request-start' | 'request-end'; entry: RequestLogEntry }
  | { type: 'closed' };

// Beside this file: .ts in the repository (type-stripped), .js in the built package.
const THREAD_FILE = new URL(
  `./scripted-server-thread.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
  import.meta.url,
);

/**
 * A deterministic OpenAI-compatible server on loopback. Each run gets its own base URL
 * (/runs/<run id>/v1) and answers its requests from the scenario's script, in order.
 *
 * The server runs in a thread of its own (scripted-server-thread.ts, scripted-http.ts): its
 * answers never wait behind the runs' work in the lab's thread, and a run's deadline timer never
 * waits behind the server (BENCHMARKS.md, timeout lateness). This object is the lab's handle on
 * it, with the same synchronous API as when it ran in the lab's thread: a run's script is posted
 * before its client can make a request, and the thread takes in what was posted before it answers;
 * a lab fault is reported before the reply that shows it, and labFaults() reads it synchronously.
 */
export class ScriptedModelServer implements ModelEndpoint {
  readonly mode = 'scripted' as const;
  readonly url: string;
  /** Emits 'request-start' when a request of a run arrives, and 'request-end' when it is answered or closed (tests wait on them instead of sleeping). */
  readonly events = new EventEmitter<{ 'request-start': [RequestLogEntry]; 'request-end': [RequestLogEntry] }>();
  readonly #thread: Worker;
  readonly #control: MessagePort;
  readonly #reports: MessagePort;
  /** The lab faults of each open run, filled from the reports. */
  readonly #faults = new Map<string, string[]>();
  readonly #keys = new WeakMap<Scenario, number>();
  readonly #forget: FinalizationRegistry<number>;
  #nextKey = 0;
  #closed: (() => void) | null = null;
  #broken: Error | null = null;

  private constructor(thread: Worker, control: MessagePort, reports: MessagePort, url: string) {
    this.#thread = thread;
    this.#control = control;
    this.#reports = reports;
    this.url = url;
    this.#forget = new FinalizationRegistry((key) => {
      if (!this.#broken) control.postMessage({ type: 'forget', key } satisfies ControlMessage);
    });
    reports.on('message', (message: ReportMessage) => this.#report(message));
    // Request events cross the thread only while someone listens to them.
    const listeners = () => this.events.listenerCount('request-start') + this.events.listenerCount('request-end');
    const tell = () => queueMicrotask(() => this.#post({ type: 'listen', on: listeners() > 0 }));
    (this.events as EventEmitter).on('newListener', tell).on('removeListener', tell);
    thread.on('error', (error) => {
      this.#broken = new LabError({
        message: `the scripted model server's thread failed: ${error.message}`,
        cause: error,
      });
    });
    thread.on('exit', (code) => {
      this.#broken ??= new LabError({ message: `the scripted model server's thread exited (code ${code})` });
      this.#closed?.();
    });
  }

  /** Starts a server on 127.0.0.1 (a free port unless one is given), in a thread of its own. */
  static async start({ port = 0 }: { port?: number } = {}): Promise<ScriptedModelServer> {
    const control = new MessageChannel();
    const reports = new MessageChannel();
    const thread = new Worker(THREAD_FILE, {
      workerData: { port, control: control.port2, reports: reports.port2 },
      transferList: [control.port2, reports.port2],
    });
    const first = await new Promise<ReportMessage>((resolve, reject) => {
      reports.port1.once('message', resolve);
      thread.once('error', reject);
      thread.once('exit', (code) => reject(new Error(`it exited (code ${code}) before it listened`)));
    }).catch((error: unknown) => ({ type: 'failed' as const, message: (error as Error).message }));
    if (first.type !== 'listening') {
      await thread.terminate();
      throw new LabError({
        message: `the scripted model server could not start: ${(first as { message: string }).message}`,
      });
    }
    thread.removeAllListeners();
    return new ScriptedModelServer(thread, control.port1, reports.port1, first.url);
  }

  /** Registers a run's script; the session's baseURL routes requests to it. */
  open(scenario: Scenario, runId: string, options: SessionOptions = {}): ModelSession {
    if (this.#broken) throw this.#broken;
    const live = scenario.model.replies.findIndex((reply) => reply.live);
    if (live !== -1)
      throw new ModelScriptError({
        scenarioId: scenario.id,
        message: `reply #${live + 1} is live: only capture --live forwards a call to a real endpoint (docs/live.md); run it with --live, or script the reply`,
      });
    let key = this.#keys.get(scenario);
    const known = key !== undefined;
    if (key === undefined) {
      key = this.#nextKey++;
      this.#keys.set(scenario, key);
      this.#forget.register(scenario, key);
    }
    const faults: string[] = [];
    this.#faults.set(runId, faults);
    try {
      this.#post({
        type: 'open',
        runId,
        scenarioId: scenario.id,
        closeConnections: options.closeConnections === true,
        key,
        replies: known ? null : scenario.model.replies,
        turns: known ? null : (scenario.turns?.map((t) => t.replies) ?? null),
      });
    } catch (error) {
      // A script the server's thread cannot be sent (a reply nested past any bound, given by code
      // that skipped the loader) is the scenario's fault, never the subject's.
      this.#keys.delete(scenario);
      this.#faults.delete(runId);
      const index = [...scenario.model.replies, ...(scenario.turns ?? []).flatMap((t) => t.replies)].findIndex(
        (reply) => !cloneable(reply),
      );
      throw new ModelScriptError({
        scenarioId: scenario.id,
        message: `reply #${index + 1} could not be sent (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}): keep the reply within the bounds in docs/scenarios.md`,
      });
    }
    return {
      baseURL: `${this.url}/runs/${runId}/v1`,
      apiKey: SCRIPTED_API_KEY,
      model: scenario.model.name,
      labFaults: () => {
        // Reported before the reply that showed the run the fault, so it is here by now.
        this.#catchUp();
        return faults;
      },
      close: () => {
        this.#faults.delete(runId);
        this.#post({ type: 'end', runId });
      },
    };
  }

  /** Stops listening and closes every connection, hanging ones included; then the thread ends. */
  async close(): Promise<void> {
    if (this.#broken) {
      await this.#thread.terminate();
      return;
    }
    const closed = new Promise<void>((resolve) => {
      this.#closed = resolve;
    });
    this.#post({ type: 'close' });
    await closed;
    this.#reports.close();
    this.#control.close();
    await this.#thread.terminate();
  }

  #post(message: ControlMessage): void {
    if (!this.#broken) this.#control.postMessage(message);
  }

  #catchUp(): void {
    for (let m = receiveMessageOnPort(this.#reports); m; m = receiveMessageOnPort(this.#reports))
      this.#report(m.message as ReportMessage);
  }

  #report(message: ReportMessage): void {
    switch (message.type) {
      case 'fault':
        this.#faults.get(message.runId)?.push(message.text);
        break;
      case 'request-start':
      case 'request-end':
        this.events.emit(message.type, message.entry);
        break;
      case 'closed':
        this.#closed?.();
        break;
      default:
        break;
    }
  }
}

/** Whether a value survives the structured clone a message to the server's thread makes of it. */
function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
