import path from 'node:path';
import { initProject } from '../init/init-project.ts';
import type { CliIo } from './io.ts';
import { type CommandSpec, helpText, parseCommand } from './options.ts';

/** The init command's flags. */
export const initSpec: CommandSpec = {
  name: 'init',
  summary:
    'Writes a starting lab into this folder: lab.config.ts, one example subject wrapping an ordinary agent function, three scenarios (one control) and a .gitignore entry for the files store. Never overwrites a file.',
  options: { help: { type: 'boolean', short: 'h', help: 'show this help' } },
};

/** Runs `init`; exit 0 (files that exist are kept and named). */
export async function initCommand(argv: string[], io: CliIo): Promise<number> {
  const values = parseCommand(initSpec, argv, io.env);
  if (values.help) {
    io.out(helpText(initSpec, 'Usage: npx lab init'));
    return 0;
  }
  for (const { file, action } of await initProject(io.cwd))
    io.out(`${action === 'kept' ? 'kept (exists)' : action} ${path.relative(io.cwd, file)}`);
  io.out(`
Next:
  npx lab capture                  run the scenarios (one control passes, two failures are detected)
  npx lab failures list            the failure ledger
  npx lab report --format html --out lab-report.html
Then wrap your own agent in lab/subjects/ and write scenarios for it in lab/scenarios/.`);
  return 0;
}
