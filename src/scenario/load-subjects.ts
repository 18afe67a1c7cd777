import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ScenarioProblem, ScenarioSetError } from '../errors/scenario-set-error.ts';
import { loadOutsideRuns } from '../execute/run-env.ts';
import { commandSubjectId } from '../subject/command-subject-file.ts';
import type { Subject } from '../subject/subject.ts';

/** The extensions of subject files, in the order one wins when two share a name. */
const SUBJECT_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

const files = new WeakMap<Subject<any, any>, string>();

/** The file a subject was loaded from, which worker isolation loads again in its thread. */
export function subjectFile(subject: Subject<any, any>): string | undefined {
  return files.get(subject);
}

/**
 * The subjects in a folder, known by their file names before any is imported: `my-agent.ts`
 * default-exports the subject whose id is `my-agent`. Importing a subject can be slow (a framework
 * subject loads its framework), so a capture of a few scenarios imports only their subjects.
 */
export class SubjectCatalog {
  readonly dir: string;
  /** Subject ids, sorted: the file names without their extension (or `.subject.yaml`/`.json`, see docs/command-subjects.md). */
  readonly ids: readonly string[];
  /** Each code subject's file name. */
  readonly #names: ReadonlyMap<string, string>;
  /** Command subject files by id. */
  readonly #commandFiles: ReadonlyMap<string, string>;

  private constructor(dir: string, names: ReadonlyMap<string, string>, commandFiles: ReadonlyMap<string, string>) {
    this.dir = dir;
    this.ids = [...new Set([...names.keys(), ...commandFiles.keys()])].sort();
    this.#names = names;
    this.#commandFiles = commandFiles;
  }

  static async open(dir: string): Promise<SubjectCatalog> {
    // A project's subjects may be TypeScript (type-stripped by Node), JavaScript, or a command.
    const names = new Map<string, string>();
    const commandFiles = new Map<string, string>();
    for (const f of (await readdir(dir)).sort()) {
      const commandId = commandSubjectId(f);
      if (commandId !== null) {
        commandFiles.set(commandId, f);
        continue;
      }
      const ext = SUBJECT_EXTENSIONS.find((e) => f.endsWith(e));
      if (!ext || f.endsWith('.d.ts') || f.endsWith('.d.mts')) continue;
      const id = f.slice(0, -ext.length);
      if (!names.has(id)) names.set(id, f);
    }
    return new SubjectCatalog(dir, names, commandFiles);
  }

  /** Imports the named subjects (all when none are named) and checks each file's default export. */
  async load(only?: Iterable<string>): Promise<Map<string, Subject>> {
    const wanted = only ? new Set(only) : null;
    const subjects = new Map<string, Subject>();
    const problems: ScenarioProblem[] = [];
    for (const id of this.ids) {
      if (wanted && !wanted.has(id)) continue;
      const commandFile = this.#commandFiles.get(id);
      if (commandFile !== undefined) {
        // A process is isolated already: command subjects are never loaded again in a worker.
        // Loaded with the first command subject (it brings a JSON Schema validator).
        const { loadCommandSubject } = await import('../subject/command-subject.ts');
        subjects.set(id, await loadCommandSubject(path.join(this.dir, commandFile)));
        continue;
      }
      const where = path.join(this.dir, this.#names.get(id)!);
      // A client its module builds as it loads belongs to no run: it is told so (src/execute/run-env.ts).
      const mod = (await loadOutsideRuns(() => import(pathToFileURL(path.resolve(where)).href))) as {
        default?: Partial<Subject>;
      };
      const subject = mod.default;
      if (
        !subject ||
        typeof subject.id !== 'string' ||
        (typeof subject.run !== 'function' && typeof subject.respond !== 'function') ||
        !subject.inputSchema ||
        !subject.outputSchema
      ) {
        problems.push({
          file: where,
          path: 'default export',
          message:
            'expected a subject: export default defineSubject({ id, description, inputSchema, outputSchema, run }) (or respond, for a subject that converses)',
        });
        continue;
      }
      if (subject.id !== id) {
        problems.push({
          file: where,
          path: 'id',
          message: `the subject's id "${subject.id}" is not its file's name: rename the file to ${subject.id}.ts or the id to "${id}"`,
        });
        continue;
      }
      subjects.set(subject.id, subject as Subject);
      files.set(subject as Subject, path.resolve(where));
    }
    if (problems.length > 0) throw new ScenarioSetError({ problems });
    return subjects;
  }
}

/** Every subject in a folder: each .ts file default-exports one (see defineSubject), its id the file's name. */
export async function loadSubjects(dir: string): Promise<Map<string, Subject>> {
  return (await SubjectCatalog.open(dir)).load();
}
