import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ScenarioProblem, ScenarioSetError } from '../errors/scenario-set-error.ts';
import type { Subject } from '../subject/subject.ts';

const files = new WeakMap<Subject<any, any>, string>();

/** The file a subject was loaded from, which worker isolation loads again in its thread. */
export function subjectFile(subject: Subject<any, any>): string | undefined {
  return files.get(subject);
}

/** Every subject in a folder: each .ts file default-exports one (see defineSubject). */
export async function loadSubjects(dir: string): Promise<Map<string, Subject>> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
  const subjects = new Map<string, Subject>();
  const problems: ScenarioProblem[] = [];
  for (const file of names) {
    const where = path.join(dir, file);
    const mod = (await import(pathToFileURL(path.resolve(where)).href)) as { default?: Partial<Subject> };
    const subject = mod.default;
    if (!subject || typeof subject.id !== 'string' || typeof subject.run !== 'function' || !subject.inputSchema || !subject.outputSchema) {
      problems.push({ file: where, path: 'default export', message: 'expected a subject: export default defineSubject({ id, description, inputSchema, outputSchema, run })' });
      continue;
    }
    if (subjects.has(subject.id)) {
      problems.push({ file: where, path: 'id', message: `subject id "${subject.id}" is already used by another file in ${dir}` });
      continue;
    }
    subjects.set(subject.id, subject as Subject);
    files.set(subject as Subject, path.resolve(where));
  }
  if (problems.length > 0) throw new ScenarioSetError({ problems });
  return subjects;
}
