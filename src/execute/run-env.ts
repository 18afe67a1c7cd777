// What process.env says inside an in-process run (docs/own-agent.md, "An agent that builds its own
// client"). Inline runs share one process, and many are in flight at once, so process.env cannot
// simply be set to a run's endpoint. While runs are in flight, process.env is a view of the
// process's own environment in which the code of a run (everything its run function starts,
// followed through AsyncLocalStorage) reads that run's OPENAI_BASE_URL, OPENAI_API_KEY and
// OPENAI_MODEL; all other code, and every other variable, read the process's own. When the last
// run ends, process.env is the process's own object again.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SubjectContext } from '../subject/subject.ts';
import { ModelRelay } from './model-relay.ts';

/** The run's own variables; a value undefined is one the run deleted. */
type Overlay = Map<string, string | undefined>;

const overlay = new AsyncLocalStorage<Overlay>();
let holders = 0;
let own: NodeJS.ProcessEnv | null = null;
let view: NodeJS.ProcessEnv | null = null;

/** The process's own environment, never a run's view: for the lab's own reads (secrets to redact, say) during a run. */
export function processEnv(): NodeJS.ProcessEnv {
  return own ?? process.env;
}

/** The overlay that decides `key` in the current async context, if any. */
function overlayFor(key: string | symbol): Overlay | null {
  const vars = overlay.getStore();
  return vars && typeof key === 'string' && vars.has(key) ? vars : null;
}

function viewOf(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return new Proxy(env, {
    get: (target, key) => {
      const vars = overlayFor(key);
      return vars ? vars.get(key as string) : Reflect.get(target, key);
    },
    has: (target, key) => {
      const vars = overlayFor(key);
      return vars ? vars.get(key as string) !== undefined : Reflect.has(target, key);
    },
    // A run that sets or deletes one of its own variables changes its own copy, never another run's.
    set: (target, key, value) => {
      const vars = overlayFor(key);
      if (!vars) return Reflect.set(target, key, value);
      vars.set(key as string, String(value));
      return true;
    },
    deleteProperty: (target, key) => {
      const vars = overlayFor(key);
      if (!vars) return Reflect.deleteProperty(target, key);
      vars.set(key as string, undefined);
      return true;
    },
    // Copies ({ ...process.env }, a child process's default environment) see the run's values too.
    ownKeys: (target) => {
      const vars = overlay.getStore();
      const keys = Reflect.ownKeys(target);
      if (!vars) return keys;
      const kept = keys.filter((k) => typeof k !== 'string' || !vars.has(k));
      for (const [k, v] of vars) if (v !== undefined) kept.push(k);
      return kept;
    },
    getOwnPropertyDescriptor: (target, key) => {
      const vars = overlayFor(key);
      if (!vars) return Reflect.getOwnPropertyDescriptor(target, key);
      const value = vars.get(key as string);
      return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true };
    },
  });
}

/** The view last made, and the environment it is a view of: made again only if process.env was replaced. */
let made: { of: NodeJS.ProcessEnv; view: NodeJS.ProcessEnv } | null = null;

/** Installs the view for as long as a run holds it; the release is idempotent. */
function holdView(): () => void {
  if (holders++ === 0) {
    own = process.env;
    if (made?.of !== own) made = { of: own, view: viewOf(own) };
    view = made.view;
    process.env = view;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders > 0) return;
    // Put back only what the lab put there: code that replaced process.env itself keeps its own.
    if (process.env === view) process.env = own!;
    own = null;
    view = null;
  };
}

/** A run's view of the environment, from openRunEnv. */
export interface RunEnv {
  /** Calls fn (the subject's run) so that it, and everything it starts, reads the run's variables. */
  run<T>(fn: () => T): T;
  /** The run is over: its route on the relay closes, and the view goes when no run holds it. */
  close(): void;
}

/**
 * The run's variables: OPENAI_BASE_URL its own route on the thread's relay (so whatever client its
 * agent builds is recorded through the run's fetch), OPENAI_API_KEY the endpoint's key, and
 * OPENAI_MODEL the scenario's model, the three a command subject gets (docs/command-subjects.md).
 */
export async function openRunEnv(ctx: SubjectContext<unknown>): Promise<RunEnv> {
  const route = (await ModelRelay.shared()).route(ctx.endpoint, ctx.signal);
  const vars: Overlay = new Map([
    ['OPENAI_BASE_URL', route.baseURL],
    ['OPENAI_API_KEY', ctx.endpoint.apiKey],
    ['OPENAI_MODEL', ctx.model],
  ]);
  const release = holdView();
  return {
    run: (fn) => overlay.run(vars, fn),
    close() {
      route.close();
      release();
    },
  };
}

/** The key a client built outside every run is given, so that it is built and then told why its requests fail. */
const OUTSIDE_RUNS_KEY = 'no-key-outside-a-run';

/**
 * Loads subject files (and what they import) seeing OPENAI_BASE_URL and OPENAI_API_KEY of no run:
 * a client built when its module loads would otherwise talk to the process's own endpoint
 * (OpenAI itself when none is set, with the process's own key), unrecorded. Its requests are
 * answered 404, saying to build the client inside the function the subject calls.
 */
export async function loadOutsideRuns<T>(load: () => Promise<T>): Promise<T> {
  const relay = await ModelRelay.shared();
  const vars: Overlay = new Map([
    ['OPENAI_BASE_URL', relay.outsideRunsURL],
    ['OPENAI_API_KEY', OUTSIDE_RUNS_KEY],
  ]);
  const release = holdView();
  try {
    return await overlay.run(vars, load);
  } finally {
    release();
  }
}
