import path from 'node:path';
import { runCapture } from '../capture/run-capture.ts';
import { UsageError } from '../errors/usage-error.ts';
import { createRedactor, secretsFromEnv } from '../internal/redact.ts';
import { LiveEndpoint } from '../model/live-endpoint.ts';
import type { ModelEndpoint } from '../model/model-endpoint.ts';
import { ScriptedModelServer } from '../model/scripted-server.ts';
import { type LoadedScenario, loadScenarios } from '../scenario/load-scenarios.ts';
import { isLiveScript } from '../contracts/scenario.ts';
import { ScenarioSetError, type ScenarioProblem } from '../errors/scenario-set-error.ts';
import { SubjectCatalog } from '../scenario/load-subjects.ts';
import { BUILD_ID, newBuildId } from '../ledger/build-id.ts';
import { ledgerNow, ledgerSettingsFromEnv } from '../ledger/ledger-settings.ts';
import { parseShard, shardLabel } from '../shard/shard-slice.ts';
import { openLedger } from '../ledger-store/ledgers.ts';
import { openStore } from '../store/stores.ts';
import { workerPoolsLoaded } from '../execute/pool-state.ts';
import { otlpTarget, startTelemetryFromEnv } from '../telemetry/telemetry-from-env.ts';
import { checkOutFile } from './out-path.ts';
import { formatResultLine, formatSummary, jsonResultLine } from './format.ts';
import { type CommandSpec, helpText, intOption, parseCommand } from './options.ts';
import type { CliIo } from './io.ts';
import { projectOptions, shellWord, storeFlags, storeName, storeOptions } from './store-options.ts';
import type { CaptureResult } from '../capture/capture-summary.ts';
import { subjectsDirOf } from '../config/project-config.ts';
import { surviveSubjects } from './survive-subjects.ts';

/** The folder of the project (src/cli/../..), where subjects/ and scenarios/ live. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Runs not stored or not read back that the end of a capture names; the rest are counted. */
const MAX_LOST_LISTED = 50;

/** The capture command's flags. */
export const captureSpec: CommandSpec = {
  name: 'capture',
  summary: 'Runs every scenario: run, detect, persist, retrieve by failure_id, compare, print.',
  options: {
    ...storeOptions,
    subjects: projectOptions.subjects,
    scenarios: {
      type: 'string',
      value: 'DIR',
      help: 'folder of scenario files',
      env: 'LAB_SCENARIOS',
      default: 'scenarios',
    },
    filter: { type: 'string', value: 'TEXT', help: 'only scenarios whose id or subject contains TEXT' },
    concurrency: { type: 'string', value: 'N', help: 'runs at once', env: 'LAB_CONCURRENCY', default: '4' },
    repeat: { type: 'string', value: 'N', help: 'run each scenario N times', default: '1' },
    'timeout-ms': { type: 'string', value: 'MS', help: "override every scenario's deadline_ms" },
    workers: {
      type: 'string',
      value: 'N',
      help: 'worker runs at once (default: one fewer than the cores, at least one)',
    },
    isolation: {
      type: 'string',
      value: 'MODE',
      help: 'inline or worker, for scenarios that do not set isolation (a scenario that sets worker always gets one)',
      env: 'LAB_ISOLATION',
      default: 'inline',
    },
    live: {
      type: 'boolean',
      help: "talk to OPENAI_BASE_URL with OPENAI_API_KEY (model OPENAI_MODEL) instead of the scripted server, through a loopback endpoint of the lab's that adds the key; a scenario with a `live: true` reply scripts faults for chosen calls and the rest goes upstream (docs/live.md); expected outcomes are reported, not enforced",
    },
    'build-id': {
      type: 'string',
      value: 'ID',
      help: "this capture's id, recorded on every run and failure (default: a new one, printed in the summary)",
      env: 'LAB_BUILD_ID',
    },
    'record-replies': {
      type: 'boolean',
      env: 'LAB_RECORD_REPLIES',
      help: 'keep every model exchange and tool result whole in the records (redacted), so `failures reproduce` can replay a run; costs the size of every body',
    },
    'no-ledger': {
      type: 'boolean',
      env: 'LAB_NO_LEDGER',
      help: "do not record the build's failures in the failure ledger",
    },
    shard: {
      type: 'string',
      value: 'I/N',
      help: 'run only the i-th of n shards of the runs (1-based), for captures spread over machines: every shard needs the same --build-id and a shared store; then `merge --build-id ID` checks and records the build (see the README, "Capture across machines")',
      env: 'LAB_SHARD',
    },
    report: {
      type: 'string',
      value: 'FILE',
      help: "after the capture, write the build's HTML report (as `report --format html --build-id ID`) to FILE, from the same store and ledger (with --store memory, the capture's own)",
    },
    json: { type: 'boolean', help: 'one JSON object per run, then {"summary": ...}' },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
};

/** Scenarios with a live script need --live: refused before anything runs, naming each file and reply. */
function refuseLiveScripts(scenarios: readonly LoadedScenario[], cwd: string): void {
  const problems: ScenarioProblem[] = [];
  for (const { file, scenario } of scenarios) {
    if (!isLiveScript(scenario)) continue;
    const at = scenario.model.replies.findIndex((r) => r.live);
    problems.push({
      file: path.relative(cwd, file),
      path: `model.replies[${at}].live`,
      message:
        'a live reply is forwarded to the real endpoint, which only capture --live has: run with --live, or leave this scenario out (--filter, or a --scenarios folder of its own)',
    });
  }
  if (problems.length > 0) throw new ScenarioSetError({ problems });
}

/** Runs `capture`; returns the exit code. */
export async function captureCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(captureSpec, argv, io.env);
  if (values.help) {
    io.out(captureUsage());
    return 0;
  }
  const store = storeName(values);
  const concurrency = intOption(values, 'concurrency', { max: 256 })!;
  const repeat = intOption(values, 'repeat', { max: 100_000 })!;
  const timeoutMs = intOption(values, 'timeout-ms', { max: 3_600_000 });
  const maxWorkers = intOption(values, 'workers', { max: 256 });
  const isolation = String(values.isolation);
  if (isolation !== 'inline' && isolation !== 'worker')
    throw new UsageError({ message: `--isolation must be inline or worker, got "${isolation}"` });
  const buildId = typeof values['build-id'] === 'string' ? values['build-id'] : newBuildId();
  if (!BUILD_ID.test(buildId))
    throw new UsageError({
      message: `--build-id must be letters, digits, ".", "_", "-" or ":" (at most 128), got "${buildId}"`,
    });
  const shard = typeof values.shard === 'string' ? parseShard(values.shard) : null;
  if (shard) {
    if (typeof values['build-id'] !== 'string')
      throw new UsageError({
        message: `--shard ${values.shard} needs --build-id ID (or LAB_BUILD_ID), the same for every shard of the build, such as your CI run's id`,
      });
    if (store === 'memory')
      throw new UsageError({
        message:
          '--shard needs a store every shard writes to and merge reads: --store files (one machine) or --store cosmos; the memory store dies with its process',
      });
    if (typeof values.report === 'string')
      throw new UsageError({
        message:
          '--report does not go with --shard: a shard holds part of the build. Write the report after `merge --build-id ID` (merge --report FILE)',
      });
  }
  // A shard leaves the ledger to merge, which records the whole build once.
  const ledgerSettings = values['no-ledger'] || shard ? null : ledgerSettingsFromEnv(io.env);
  // A report that cannot be written should fail before the capture runs, not after.
  const reportFile = typeof values.report === 'string' ? checkOutFile('--report', values.report, io.cwd) : null;

  // Every scenario file is read and checked up to its subject; only the selected scenarios'
  // subjects are imported (a framework subject takes a while) and checked against them.
  const catalog = await SubjectCatalog.open(subjectsDirOf(values.subjects, io.cwd));
  const scenarioDir = path.resolve(io.cwd, String(values.scenarios));
  const filter = typeof values.filter === 'string' ? values.filter : null;
  const scenarios = await loadScenarios(
    scenarioDir,
    catalog,
    filter === null ? {} : { select: (s) => s.id.includes(filter) || s.subject.includes(filter) },
  );
  if (scenarios.length === 0)
    throw new UsageError({ message: `--filter "${filter}" matches no scenario id or subject in ${scenarioDir}` });
  if (!values.live) refuseLiveScripts(scenarios, io.cwd);
  const subjects = await catalog.load(new Set(scenarios.map(({ scenario }) => scenario.subject)));

  // An OTLP setting the lab cannot use fails before anything starts.
  otlpTarget(io.env);
  const secrets = secretsFromEnv(io.env);
  const stopSurviving = surviveSubjects(io.err, createRedactor(secrets));
  const model: ModelEndpoint & { close?: () => Promise<void> } = values.live
    ? await LiveEndpoint.start(io.env)
    : await ScriptedModelServer.start();
  const telemetry = await startTelemetryFromEnv(io.env);
  try {
    const traces = await openStore(store, { env: io.env, dir: path.resolve(io.cwd, String(values.dir)) });
    const ledger = ledgerSettings
      ? await openLedger(store, { env: io.env, dir: path.resolve(io.cwd, String(values.dir)) }).catch(
          async (error: unknown) => {
            await traces.close();
            throw error;
          },
        )
      : null;
    try {
      const live = model.mode === 'live';
      const lost: string[] = [];
      const flags = storeFlags(values, io);
      // Where a mismatched run's records can be seen, as commands that work as printed.
      const evidence = (r: CaptureResult): string => {
        const where: string[] = [];
        if (reportFile && r.trace_id)
          where.push(`${path.relative(io.cwd, reportFile)}#run=${r.trace_id} (the report, once written)`);
        if (store !== 'memory')
          where.push(
            `npm run lab -- export ${r.failure_id ? `--failure-id ${r.failure_id}` : `--build-id ${shellWord(buildId)} --scenario ${shellWord(r.scenario)}`} ${flags}`,
          );
        return where.length > 0
          ? where.join(', or ')
          : 'not kept once capture exits (the memory store); capture with --store files, or with --report FILE, to keep it (--json prints the whole message)';
      };
      const { summary, manifest } = await runCapture({
        scenarios,
        subjects,
        store: traces,
        model,
        concurrency,
        repeat,
        timeoutMs,
        isolation,
        maxWorkers,
        tracer: telemetry.tracer,
        secrets,
        buildId,
        recordReplies: values['record-replies'] === true,
        ledger: ledger && ledgerSettings ? { store: ledger, settings: ledgerSettings } : null,
        projectRoot: io.cwd,
        shard,
        // Nothing is kept per run: a capture of any size holds its counts and what it printed.
        keepResults: false,
        onResult: (r, done, total) => {
          if ((!r.stored || !r.retrieved) && lost.length < MAX_LOST_LISTED)
            lost.push(r.failure_id ?? r.trace_id ?? r.scenario);
          io.out(values.json ? jsonResultLine(r) : formatResultLine(r, done, total, live, evidence));
        },
      });
      if (reportFile) {
        // From the store and ledger the capture wrote to: with --store memory, these die with the process.
        const out = reportFile;
        const asOf = io.env.LAB_NOW ? { time: ledgerNow(io.env), source: 'env' as const } : undefined;
        const { writeHtmlReport } = await import('../report/write-report.ts');
        const report = await writeHtmlReport(out, { store: traces, ledger, buildId, asOf });
        io.err(
          `wrote the HTML report of build ${buildId} (${report.data.runs.length} runs, ${Math.round(report.bytes / 1024)} KB) to ${path.relative(io.cwd, out)}`,
        );
      }
      if (values.json) {
        io.out(
          JSON.stringify(
            manifest
              ? {
                  summary,
                  shard: {
                    shard: shardLabel(manifest.shard),
                    manifest_id: manifest.manifest_id,
                    runs: manifest.plan.runs,
                    total_runs: manifest.plan.total_runs,
                  },
                }
              : { summary },
          ),
        );
      } else {
        io.out(formatSummary(summary, traces.name));
        const notKept = summary.runs - summary.retrieved - summary.lab_errors;
        if (lost.length > 0)
          io.err(
            `not stored and retrieved intact: ${lost.join(', ')}${notKept > lost.length ? ` and ${notKept - lost.length} more` : ''}`,
          );
        if (manifest)
          io.out(
            `shard ${shardLabel(manifest.shard)}: ${manifest.plan.runs} of the build's ${manifest.plan.total_runs} runs, manifest ${manifest.manifest_id}. Once every shard is done: npm run lab -- merge --build-id ${shellWord(buildId)} ${flags}`,
          );
      }
      return summary.exit_code;
    } finally {
      await traces.close();
      await ledger?.close();
    }
  } finally {
    await telemetry.forceFlush().catch(() => {});
    await telemetry.shutdown().catch(() => {});
    await model.close?.();
    // Worker threads, if any worker run started them, end with the capture.
    if (workerPoolsLoaded()) await (await import('../execute/worker-pool.ts')).workerPools.close();
    stopSurviving();
  }
}

/** The usage text of capture. */
export function captureUsage(): string {
  return `${helpText(captureSpec, 'Usage: npm run capture -- [options]    (or: npm run lab -- capture [options])')}\nExit codes: 0 every run matched its expected outcome and every trace was stored and retrieved;\n            1 a mismatch, or a trace not stored or not retrieved intact; 2 bad input or configuration.\n`;
}
