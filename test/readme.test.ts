import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureSpec } from '../src/cli/capture-command.ts';
import { CommandsMap } from '../src/cli/main.ts';
import { CATEGORY_RULES } from '../src/ledger/categorize.ts';
import { PREVENTION_RULES } from '../src/ledger/prevention-rules.ts';
import { DEFAULT_CONFIDENCE } from '../src/recovery/recovery-kit.ts';
import { loadScenarios } from '../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../src/scenario/load-subjects.ts';
import { EQUIVALENT } from './grounding/number-cases.ts';
import { ROOT } from './helpers/run-cli.ts';

const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');

/** The body of a README section, from its heading to the next heading of the same or a higher level. */
function section(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const level = heading.split(' ')[0]!;
  const rest = readme.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`\\n#{1,${level.length}} `));
  return next < 0 ? rest : rest.slice(0, next);
}

/** The rows of the first table in a text, as cells. */
function tableRows(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
  'twenty',
  'twenty-one',
  'twenty-two',
  'twenty-three',
];

describe('the README cannot drift from the code', () => {
  it('lists every subject that ships, says how many, and describes each in "The subjects"', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    const listed = tableRows(section('### The subjects')).map((r) => r[0]!.replace(/`/g, ''));
    expect(listed.sort()).toEqual([...subjects.keys()].sort());
    expect(readme).toContain(`The ${NUMBER_WORDS[subjects.size]} subjects that ship`);
  });

  it('lists every command, and every capture flag', () => {
    const commands = tableRows(section('## The CLI')).map((r) => r[0]!.replace(/`/g, ''));
    expect(commands.sort()).toEqual(Object.keys(CommandsMap).sort());
    const flagTable = section('## The CLI').slice(section('## The CLI').indexOf('`capture` options'));
    const flags = tableRows(flagTable).map((r) => r[0]!.replace(/`/g, '').split(' ')[0]);
    expect(flags.sort()).toEqual(
      Object.keys(captureSpec.options)
        .filter((f) => f !== 'help')
        .map((f) => `--${f}`)
        .sort(),
    );
  });

  it('shows the number table the tests use, row for row', () => {
    const rows = tableRows(section('#### What counts as a number'));
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual(
      EQUIVALENT.map((c) => [
        c.form,
        c.source.startsWith('{') ? `\`${c.source}\`` : c.source,
        c.output.replace(/\.$/, '.') + (c.reverse ? '' : ' (one way only)'),
      ]),
    );
  });

  it('shows the categorization and prevention tables as the code has them', () => {
    const categories = tableRows(section('### Categorization'));
    expect(categories.map((r) => [r[0]!.replace(/`/g, ''), r[2], r[3]])).toEqual(
      CATEGORY_RULES.map((r) => [r.id, `${r.category} / ${r.subcategory}`, r.severity]),
    );
    const prevention = tableRows(section('### Root cause and suggested prevention'));
    expect(prevention.map((r) => [r[0]!.replace(/`/g, ''), r[2]])).toEqual(
      PREVENTION_RULES.map((r) => [r.id, r.suggestion]),
    );
  });

  it("states each fallback type's default confidence_impact, and whether it leaves the run degraded, as the code has them", () => {
    const text = section('## Cascades and recovery');
    const rows = tableRows(text.slice(text.indexOf('| fallback type')));
    expect(
      rows.map(([type, impact, degraded]) => [type!.replace(/`/g, ''), impact!.replace(/`/g, ''), degraded]),
    ).toEqual(
      Object.entries(DEFAULT_CONFIDENCE).map(([type, impact]) => [
        type,
        impact ?? 'null',
        impact === 'none' ? 'no' : 'yes',
      ]),
    );
  });

  it('counts the shipped scenarios as they are', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    const scenarios = await loadScenarios(path.join(ROOT, 'scenarios'), subjects);
    const match = /runs (\d+) scenarios/.exec(readme);
    if (match) expect(Number(match[1])).toBe(scenarios.length);
  });

  it('documents every environment variable the code reads, in .env.example too', async () => {
    const read = new Set<string>();
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(file);
        else if (entry.name.endsWith('.ts'))
          for (const m of (await readFile(file, 'utf8')).matchAll(
            /\benv(?:\??\.)\s*([A-Z][A-Z0-9_]{2,})\b|env\[['"]([A-Z][A-Z0-9_]{2,})['"]\]|\benv: '([A-Z][A-Z0-9_]{2,})'/g,
          ))
            read.add((m[1] ?? m[2] ?? m[3])!);
      }
    };
    await walk(path.join(ROOT, 'src'));
    const example = await readFile(path.join(ROOT, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    // Variables of the system and of Node itself. NODE_OPTIONS acts only when Node starts, so a .env
    // cannot set it; the README's timeout section names the one use the lab makes of it.
    const ignored = new Set(['CI', 'NODE_ENV', 'HOME', 'PATH', 'NODE_OPTIONS']);
    expect(
      [...read].filter((v) => !ignored.has(v) && !documented.has(v)).sort(),
      'read by the code, missing from .env.example',
    ).toEqual([]);
    for (const v of documented) expect(readme, `${v} is in .env.example but the README never names it`).toContain(v);
  });
  it('says how long `npm test` takes, and what `npm ci` prints and why', async () => {
    expect(readme).toMatch(/`npm test` takes about \d+ minutes/);
    // npm on the machine's Node 20 would print ~735 lines of EBADENGINE warnings: .npmrc keeps the install to errors.
    const npmrc = await readFile(path.join(ROOT, '.npmrc'), 'utf8');
    expect(npmrc).toMatch(/^loglevel=error$/m);
    expect(readme).toMatch(/`\.npmrc` sets `loglevel=error`/);
    expect(readme).toContain('EBADENGINE');
  });
});
