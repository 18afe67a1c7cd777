import { randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fuzzJson, fuzzText } from '../chaos/resilience-table.ts';
import { resilienceHtml } from '../chaos/resilience-html.ts';
import { runFuzz } from '../chaos/run-fuzz.ts';
import { saveFindings } from '../chaos/save-findings.ts';
import { subjectsDirOf } from '../config/project-config.ts';
import { UsageError } from '../errors/usage-error.ts';
import { secretsFromEnv } from '../internal/redact.ts';
import { LiveEndpoint } from '../model/live-endpoint.ts';
import type { ModelEndpoint } from '../model/model-endpoint.ts';
import { ScriptedModelServer } from '../model/scripted-server.ts';
import { loadScenarios } from '../scenario/load-scenarios.ts';
import { SubjectCatalog } from '../scenario/load-subjects.ts';
import type { CliIo } from './io.ts';
import { type CommandSpec, helpText, intOption, parseCommand } from './options.ts';
import { checkOutFile, checkOutFolder } from './out-path.ts';
import { projectOptions } from './store-options.ts';

/** The fuzz command's flags. */
export const fuzzSpec: CommandSpec = {
  name: 'fuzz',
  summary:
    'Searches the faults around a passing scenario: every fault kind alone at every call its baseline run made, then N fault sets sampled from a seed; each failing set is shrunk to the faults it needs, and findings are grouped by fingerprint (docs/chaos.md). Exit 0: no finding; 1: findings; 2: bad input (an unknown scenario, a baseline that does not pass).',
  positionals: [{ name: 'SCENARIO', help: 'the id of a scenario that passes (its baseline)' }],
  options: {
    ...projectOptions,
    scenarios: {
      type: 'string',
      value: 'DIR',
      help: 'folder of scenario files',
      env: 'LAB_SCENARIOS',
      default: 'scenarios',
    },
    runs: { type: 'string', value: 'N', help: 'fault sets to sample', default: '100' },
    seed: {
      type: 'string',
      value: 'S',
      help: 'the seed of the sampling (default: a new one, printed); the same seed gives the same findings',
    },
    'max-faults': { type: 'string', value: 'K', help: 'faults in a set, at most', default: '3' },
    concurrency: { type: 'string', value: 'N', help: 'trials at once', env: 'LAB_CONCURRENCY', default: '8' },
    save: {
      type: 'string',
      value: 'DIR',
      help: 'write each minimal finding as a scenario file <id>-fuzz-<n>.json into DIR (made if missing; a file of the same name is replaced)',
    },
    html: { type: 'string', value: 'FILE', help: 'write the resilience matrix as one self-contained HTML page' },
    live: {
      type: 'boolean',
      help: 'run against OPENAI_BASE_URL with OPENAI_API_KEY instead of the scripted server (model faults of the script do not apply there)',
    },
    json: {
      type: 'boolean',
      help: 'print {"seed", "runs", "findings": [{"fingerprint", "kind", "faults", "trials"}]} only',
    },
    quiet: { type: 'boolean', short: 'q', help: 'no progress on stderr' },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
};

/** Runs `fuzz`; returns the exit code (0 no finding, 1 findings, 2 bad input). */
export async function fuzzCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(fuzzSpec, argv, io.env) as ReturnType<typeof parseCommand> & { _: string[] };
  if (values.help) {
    io.out(helpText(fuzzSpec, 'Usage: npm run lab -- fuzz SCENARIO [options]'));
    return 0;
  }
  const id = values._[0];
  if (!id) throw new UsageError({ message: 'fuzz: name the scenario to fuzz (npm run lab -- fuzz SCENARIO)' });
  const runs = intOption(values, 'runs', { min: 0, max: 1_000_000 })!;
  const maxFaults = intOption(values, 'max-faults', { max: 100 })!;
  const concurrency = intOption(values, 'concurrency', { max: 256 })!;
  const seed = intOption(values, 'seed', { min: 0, max: 2 ** 31 - 1 }) ?? randomInt(2 ** 31 - 1);
  const htmlFile = typeof values.html === 'string' ? checkOutFile('--html', values.html, io.cwd) : null;
  const saveDir = typeof values.save === 'string' ? checkOutFolder('--save', values.save, io.cwd) : null;

  const catalog = await SubjectCatalog.open(subjectsDirOf(values.subjects, io.cwd));
  const scenarioDir = path.resolve(io.cwd, String(values.scenarios));
  const [loaded] = await loadScenarios(scenarioDir, catalog, { select: (s) => s.id === id });
  if (!loaded) throw new UsageError({ message: `fuzz: no scenario ${JSON.stringify(id)} in ${scenarioDir}` });
  const subjects = await catalog.load(new Set([loaded.scenario.subject]));
  const subject = subjects.get(loaded.scenario.subject)!;

  const model: ModelEndpoint & { close?: () => Promise<void> } = values.live
    ? await LiveEndpoint.start(io.env)
    : await ScriptedModelServer.start();
  const quiet = values.quiet === true;
  let shown = -1;
  try {
    const result = await runFuzz({
      subject,
      baseline: loaded.scenario,
      detection: { model, secrets: secretsFromEnv(io.env) },
      runs,
      seed,
      maxFaults,
      concurrency,
      progress: (phase, done, total) => {
        // About every tenth of the way, and at the end: enough to see a long fuzz move.
        const step = Math.floor((10 * done) / total);
        if (quiet || (step === shown && done !== total)) return;
        shown = done === total ? -1 : step;
        io.err(`fuzz: ${phase} ${done}/${total}`);
      },
    });
    io.out(values.json ? fuzzJson(result) : fuzzText(result));
    if (htmlFile) {
      await writeFile(htmlFile, resilienceHtml(result));
      if (!values.json) io.out(`Resilience matrix: ${path.relative(io.cwd, htmlFile)}`);
    }
    if (saveDir) {
      const files = await saveFindings(saveDir, loaded.scenario, result.findings, seed);
      if (!values.json)
        io.out(
          `Saved ${files.length} finding${files.length === 1 ? '' : 's'} as scenarios in ${path.relative(io.cwd, saveDir) || '.'}`,
        );
    }
    return result.findings.length > 0 ? 1 : 0;
  } finally {
    await model.close?.();
  }
}
