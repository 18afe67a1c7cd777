import path from 'node:path';
import { runCapture } from '../capture/run-capture.ts';
import type { CaptureResult } from '../capture/capture-summary.ts';
import { projectEnv, subjectsDirOf } from '../config/project-config.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import { ConfigError } from '../errors/config-error.ts';
import { secretsFromEnv } from '../internal/redact.ts';
import { newBuildId } from '../ledger/build-id.ts';
import { ledgerSettingsFromEnv } from '../ledger/ledger-settings.ts';
import { openLedger } from '../ledger-store/ledgers.ts';
import { ScriptedModelServer } from '../model/scripted-server.ts';
import { type LoadedScenario, loadScenarios } from '../scenario/load-scenarios.ts';
import { SubjectCatalog } from '../scenario/load-subjects.ts';
import { isStoreName, STORE_NAMES } from '../store/stores.ts';
import { openStore } from '../store/stores.ts';

/** Which scenarios to run, and where the project is. */
export interface RunScenariosOptions {
  /** The project config file (default: the nearest lab.config.* from cwd upward, as the CLI finds it). */
  config?: string;
  /** Where to look for the config (default process.cwd()). */
  cwd?: string;
  /** Only scenarios whose id or subject contains this text, or for which this returns true. */
  filter?: string | ((scenario: LoadedScenario['scenario']) => boolean);
  /** The build id every run is recorded with (default: a new one). */
  buildId?: string;
}

/** One scenario's run: its capture result and its stored trace (null when the lab itself failed). */
export interface ScenarioRun {
  scenario: LoadedScenario['scenario'];
  file: string;
  result: CaptureResult;
  trace: TraceRecord | null;
}

/** The scenarios of the project config, checked, with their subjects loaded, before any runs. */
export async function loadProjectScenarios(options: RunScenariosOptions = {}) {
  const cwd = options.cwd ?? process.cwd();
  const { env, config } = await projectEnv(options.config ? ['--config', options.config] : [], cwd, process.env);
  const root = config?.dir ?? cwd;
  const catalog = await SubjectCatalog.open(subjectsDirOf(env.LAB_SUBJECTS, root));
  const filter = options.filter;
  const scenarios = await loadScenarios(
    path.resolve(root, env.LAB_SCENARIOS || 'scenarios'),
    catalog,
    filter === undefined
      ? {}
      : {
          select:
            typeof filter === 'string' ? (s) => s.id.includes(filter) || s.subject.includes(filter) : (s) => filter(s),
        },
  );
  const subjects = await catalog.load(new Set(scenarios.map(({ scenario }) => scenario.subject)));
  return { env, root, scenarios, subjects };
}

/**
 * Runs the project's scenarios as `lab capture` does (the scripted server started and stopped
 * here, the config's store and ledger, one build), and returns each run by scenario id. The
 * matchers of agent-failure-lab/vitest take a ScenarioRun.
 */
export async function runScenarios(options: RunScenariosOptions = {}): Promise<Map<string, ScenarioRun>> {
  const { env, root, scenarios, subjects } = await loadProjectScenarios(options);
  const storeName = env.LAB_STORE || 'memory';
  if (!isStoreName(storeName))
    throw new ConfigError({ message: `unknown store "${storeName}". Available stores: ${STORE_NAMES.join(', ')}` });
  const dir = path.resolve(root, env.LAB_DIR || '.lab-traces');
  const server = await ScriptedModelServer.start();
  const store = await openStore(storeName, { env, dir });
  const noLedger = /^(true|1)$/i.test(env.LAB_NO_LEDGER ?? '');
  const ledger = noLedger ? null : await openLedger(storeName, { env, dir });
  const runs = new Map<string, ScenarioRun>();
  try {
    const byId = new Map(scenarios.map((l) => [l.scenario.id, l]));
    const results: CaptureResult[] = [];
    await runCapture({
      scenarios,
      subjects,
      store,
      model: server,
      concurrency: Number(env.LAB_CONCURRENCY) || 4,
      isolation: env.LAB_ISOLATION === 'worker' ? 'worker' : 'inline',
      secrets: secretsFromEnv(env),
      buildId: options.buildId ?? newBuildId(),
      recordReplies: /^(true|1)$/i.test(env.LAB_RECORD_REPLIES ?? ''),
      ledger: ledger ? { store: ledger, settings: ledgerSettingsFromEnv(env) } : null,
      projectRoot: root,
      keepResults: false,
      onResult: (r) => results.push(r),
    });
    for (const result of results) {
      const loaded = byId.get(result.scenario)!;
      const key = result.failure_id ?? result.trace_id;
      const trace = key ? ((await store.get(key)) as TraceRecord | undefined) : undefined;
      runs.set(result.scenario, { scenario: loaded.scenario, file: loaded.file, result, trace: trace ?? null });
    }
    return runs;
  } finally {
    await store.close();
    await ledger?.close();
    await server.close();
    const { workerPoolsLoaded } = await import('../execute/pool-state.ts');
    if (workerPoolsLoaded()) await (await import('../execute/worker-pool.ts')).workerPools.close();
  }
}
