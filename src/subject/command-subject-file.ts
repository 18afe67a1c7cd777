import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type ScenarioProblem, ScenarioSetError } from '../errors/scenario-set-error.ts';
import { formatPath } from '../internal/format-path.ts';

/** The file name endings of a command subject (docs/command-subjects.md). */
export const COMMAND_SUBJECT_SUFFIXES = ['.subject.yaml', '.subject.yml', '.subject.json'] as const;

const Argv = z.array(z.string().min(1)).min(1).describe('argv, run from the subject file’s folder');

/** A subject that is a program in any language, described by a data file. */
export const CommandSubjectFile = z.strictObject({
  id: z.string().min(1),
  description: z.string(),
  command: Argv,
  input_schema: z.record(z.string(), z.unknown()),
  output_schema: z.record(z.string(), z.unknown()),
  tools: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only (it is a URL path segment)'),
        description: z.string(),
        parameters: z.record(z.string(), z.unknown()),
        command: Argv.optional(),
      }),
    )
    .default([]),
  tools_called_by: z.enum(['model', 'subject']).optional(),
  conversation: z
    .boolean()
    .default(false)
    .describe(
      'true: the program converses (scenarios with turns): one process per conversation, one JSON line per turn on stdin and on stdout (docs/command-subjects.md, "Conversations").',
    ),
});
export type CommandSubjectFile = z.infer<typeof CommandSubjectFile>;

/** The id a command subject file must have: its name without the suffix, or null for any other file. */
export function commandSubjectId(fileName: string): string | null {
  const suffix = COMMAND_SUBJECT_SUFFIXES.find((s) => fileName.endsWith(s));
  return suffix ? fileName.slice(0, -suffix.length) : null;
}

/** Reads and checks a command subject file; every problem names the file and the field. */
export async function readCommandSubjectFile(file: string): Promise<CommandSubjectFile> {
  const text = await readFile(file, 'utf8');
  const fail = (problems: ScenarioProblem[]): never => {
    throw new ScenarioSetError({ problems });
  };
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    fail([
      {
        file,
        path: '(file)',
        message: `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
      },
    ]);
  }
  const parsed = CommandSubjectFile.safeParse(raw);
  if (!parsed.success)
    fail(parsed.error.issues.map((i) => ({ file, path: formatPath(i.path) || '(root)', message: i.message })));
  const def = parsed.data!;
  const id = commandSubjectId(path.basename(file));
  if (def.id !== id)
    fail([
      {
        file,
        path: 'id',
        message: `the subject's id "${def.id}" is not its file's name: rename the file or set id to "${id}"`,
      },
    ]);
  return def;
}
