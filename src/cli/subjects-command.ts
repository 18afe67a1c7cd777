import { subjectsDirOf } from '../config/project-config.ts';
import { loadSubjects } from '../scenario/load-subjects.ts';
import { subjectJsonSchemas } from '../subject/subject-schemas.ts';
import { projectOptions } from './store-options.ts';
import type { CliIo } from './io.ts';
import { type CommandSpec, helpText, parseCommand } from './options.ts';

/** The subjects command's flags. */
export const subjectsSpec: CommandSpec = {
  name: 'subjects',
  summary:
    'Lists the subjects in subjects/: what each does, its tools, and its input and output as JSON Schema (what a scenario author writes against).',
  options: {
    ...projectOptions,
    json: {
      type: 'boolean',
      help: 'one JSON object per subject: id, description, tools, tools_called_by, converses, input_schema, output_schema',
    },
    help: { type: 'boolean', short: 'h', help: 'show this help' },
  },
};

/** Runs `subjects`; exit 0, or 2 when a subject file is broken (loadSubjects names it). */
export async function subjectsCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(subjectsSpec, argv, io.env);
  if (values.help) {
    io.out(helpText(subjectsSpec, 'Usage: npm run lab -- subjects [--json]'));
    return 0;
  }
  const subjects = await loadSubjects(subjectsDirOf(values.subjects, io.cwd));
  for (const subject of subjects.values()) {
    const info = {
      id: subject.id,
      description: subject.description,
      tools: (subject.tools ?? []).map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
      tools_called_by: subject.toolsCalledBy ?? 'model',
      // It holds conversations: scenarios with turns (docs/chaos-conversations.md).
      converses: typeof subject.respond === 'function',
      // What the lab accepts, for input and output alike (see subject-schemas.ts).
      ...subjectJsonSchemas(subject),
    };
    if (values.json) {
      io.out(JSON.stringify(info));
      continue;
    }
    io.out(`${subject.id}\n  ${subject.description}`);
    io.out(
      `  tools: ${info.tools.map((t) => t.name).join(', ') || '(none)'}${info.tools.length ? ` (called by the ${info.tools_called_by})` : ''}`,
    );
    if (info.converses) io.out('  converses: one reply per user turn (scenarios with turns)');
    io.out(`  input:  ${JSON.stringify(info.input_schema)}`);
    io.out(`  output: ${JSON.stringify(info.output_schema)}\n`);
  }
  if (!values.json) io.out(`${subjects.size} subjects`);
  return 0;
}
