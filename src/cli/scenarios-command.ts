import path from 'node:path';
import { loadScenarios } from '../scenario/load-scenarios.ts';
import { loadSubjects } from '../scenario/load-subjects.ts';
import { subjectsDirOf } from '../config/project-config.ts';
import { projectOptions } from './store-options.ts';
import type { CliIo } from './io.ts';
import { type CommandSpec, helpText, parseCommand } from './options.ts';

/** The scenarios command's flags. */
export const scenariosSpec: CommandSpec = {
  name: 'scenarios',
  summary: 'Checks every scenario file and lists the scenarios with their subject and expected outcome.',
  options: {
    ...projectOptions,
    scenarios: {
      type: 'string',
      value: 'DIR',
      help: 'folder of scenario files',
      env: 'LAB_SCENARIOS',
      default: 'scenarios',
    },
    json: { type: 'boolean', help: 'one JSON object per scenario' },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
};

/** Runs `scenarios`: validation without running anything; exit 2 when a file is invalid. */
export async function scenariosCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(scenariosSpec, argv, io.env);
  if (values.help) {
    io.out(helpText(scenariosSpec, 'Usage: npm run lab -- scenarios [options]'));
    return 0;
  }
  const subjects = await loadSubjects(subjectsDirOf(values.subjects, io.cwd));
  const loaded = await loadScenarios(path.resolve(io.cwd, String(values.scenarios)), subjects);
  for (const { file, scenario } of loaded) {
    if (values.json)
      io.out(
        JSON.stringify({
          id: scenario.id,
          subject: scenario.subject,
          expected: scenario.expected,
          file: path.relative(io.cwd, file),
        }),
      );
    else
      io.out(
        `${scenario.id.padEnd(36)} ${scenario.subject.padEnd(18)} ${(scenario.expected ?? 'pass').padEnd(18)} ${scenario.description}`,
      );
  }
  if (!values.json) io.out(`\n${loaded.length} scenarios, ${subjects.size} subjects: all valid`);
  return 0;
}
