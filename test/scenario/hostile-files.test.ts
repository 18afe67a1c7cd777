import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioSetError } from '../../src/errors/scenario-set-error.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { ROOT, runCli } from '../helpers/run-cli.ts';

const subjects = await loadSubjects(path.join(ROOT, 'subjects'));

async function folder(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hostile-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const fields = {
  id: 'ok',
  subject: 'cited-qa',
  description: 'd',
  expected: null,
  input: { question: 'q', documents: [{ id: 'a', text: 't' }] },
  model: { replies: [{ json: { answer: 'x', citations: ['a'] } }] },
};
const valid = (id: string, extra: object = {}) => JSON.stringify({ ...fields, id, ...extra }, null, 2);
const validYaml = (id: string) =>
  [
    `id: ${id}`,
    'subject: cited-qa',
    'description: d',
    'expected: null',
    'input:',
    '  question: q',
    '  documents: [{ id: a, text: t }]',
    'model:',
    '  replies:',
    '    - json: { answer: x, citations: [a] }',
  ].join('\n');

async function failure(dir: string): Promise<ScenarioSetError> {
  const error = await loadScenarios(dir, subjects).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ScenarioSetError);
  return error as ScenarioSetError;
}
const about = (error: ScenarioSetError, name: string) => error.problems.filter((p) => path.basename(p.file) === name);

describe('the loader refuses hostile files with exit 2, naming the file and the fix', () => {
  it('a file it cannot read', async () => {
    const dir = await folder({ 'ok.json': valid('ok') });
    // Reading /proc/self/mem from its start fails (EIO), even for root, for whom chmod 000 changes nothing.
    await symlink('/proc/self/mem', path.join(dir, 'unreadable.json'));
    const error = await failure(dir);
    expect(error.exitCode).toBe(2);
    expect(about(error, 'unreadable.json')).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^cannot read this file \(.*EIO.*\): make it readable \(chmod a\+r\)/),
      }),
    ]);
  });

  const bomb = [
    'id: bomb',
    'a: &a [x, x, x, x, x, x, x, x, x]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
  ].join('\n');

  it('a YAML alias bomb, named, without expanding it', async () => {
    const error = await failure(await folder({ 'bomb.yaml': bomb }));
    expect(about(error, 'bomb.yaml')).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^not valid YAML: its aliases expand to too many values .*alias bomb/),
      }),
    ]);
  });

  it('symbolic links: one to a file is read as that file; others, and FIFOs, are named for what they are', async () => {
    const elsewhere = await folder({ 'shared.json': valid('shared'), 'notes.txt': 'x' });
    const dir = await folder({ 'ok.json': valid('ok') });
    await symlink(path.join(elsewhere, 'shared.json'), path.join(dir, 'linked.json'));
    expect((await loadScenarios(dir, subjects)).map((l) => l.scenario.id)).toEqual(['shared', 'ok']);
    await symlink(elsewhere, path.join(dir, 'to-folder.json'));
    await symlink(path.join(elsewhere, 'gone.json'), path.join(dir, 'dangling.json'));
    await symlink(path.join(elsewhere, 'notes.txt'), path.join(dir, 'notes-link.txt'));
    execFileSync('mkfifo', [path.join(dir, 'pipe.json')]);
    await mkdir(path.join(dir, 'nested'));
    const error = await failure(dir);
    const message = (name: string) => about(error, name).map((p) => p.message);
    expect(message('to-folder.json')).toEqual([
      expect.stringMatching(/^a symbolic link to a folder \(.*hostile-.*\): scenario files must sit directly in /),
    ]);
    expect(message('dangling.json')).toEqual([
      expect.stringMatching(/^a symbolic link to .*gone\.json, which does not exist: fix the link or remove it$/),
    ]);
    expect(message('notes-link.txt')).toEqual([expect.stringMatching(/^not a scenario file: /)]);
    // Never opened: reading a FIFO would wait for a writer, and this test would hang.
    expect(message('pipe.json')).toEqual([
      expect.stringMatching(/^a named pipe \(FIFO\), not a file: it is not read; remove it or move it out of /),
    ]);
    expect(message('nested')).toEqual([expect.stringMatching(/^a folder: /)]);
    expect(error.problems).toHaveLength(5);
  });

  it('JSON duplicate keys are refused, as YAML refuses them, at their line', async () => {
    const text = '{\n  "id": "first",\n  "subject": "cited-qa",\n  "id": "second"\n}';
    const nested = valid('n', { model: { replies: [{ json: { answer: 'x', answer_: 1 } }] } }).replace(
      '"answer_"',
      '"answer"',
    );
    const error = await failure(await folder({ 'dup.json': text, 'nested.json': nested }));
    expect(about(error, 'dup.json')).toEqual([
      {
        file: expect.any(String),
        path: '',
        line: 4,
        message:
          'not valid JSON: duplicate key "id" (first on line 2); JSON.parse would keep the last one silently: keep one',
      },
    ]);
    expect(about(error, 'nested.json')).toEqual([
      expect.objectContaining({
        line: nested.split('\n').findIndex((l) => l.includes('"answer": 1')) + 1,
        message: expect.stringContaining('duplicate key "answer"'),
      }),
    ]);
  });

  it('a byte order mark is accepted in JSON as in YAML', async () => {
    const dir = await folder({
      'bom.json': `\ufeff${valid('bom-json')}`,
      'bom.yaml': `\ufeff${validYaml('bom-yaml')}`,
    });
    expect((await loadScenarios(dir, subjects)).map((l) => l.scenario.id)).toEqual(['bom-json', 'bom-yaml']);
  });

  it('bytes that are not UTF-8 are refused with their offset and line, instead of becoming U+FFFD', async () => {
    const text = Buffer.from(valid('latin', { description: 'café' }), 'utf8');
    const at = text.indexOf(Buffer.from('é'));
    // Latin-1 é (0xe9) where UTF-8 has two bytes; a real U+FFFD before it is left alone.
    const bytes = Buffer.concat([
      Buffer.from('{"input": "\ufffd", '),
      text.subarray(1, at),
      Buffer.from([0xe9]),
      text.subarray(at + 2),
    ]);
    const error = await failure(await folder({ 'latin.json': bytes }));
    const offset = bytes.indexOf(0xe9);
    expect(about(error, 'latin.json')).toEqual([
      expect.objectContaining({
        line: bytes.subarray(0, offset).toString('latin1').split('\n').length,
        message: `not UTF-8: byte 0xe9 at offset ${offset} is not valid UTF-8; save the file as UTF-8`,
      }),
    ]);
  });

  it('a huge value (YAML !!binary, a megabyte subject) does not flood the message', async () => {
    const blob = Buffer.alloc(300_000, 7).toString('base64');
    const error = await failure(
      await folder({
        'binary.yaml': `${validYaml('binary')}\ntags: [!!binary ${blob}]\n`,
        'huge.json': valid('huge', { subject: 'x'.repeat(1_000_000) }),
        'key.json': valid('key', { ['k'.repeat(100_000)]: 1 }),
      }),
    );
    expect(about(error, 'binary.yaml')).toEqual([
      expect.objectContaining({
        path: 'tags[0]',
        line: 11,
        message: expect.stringMatching(/^bytes \(YAML's !!binary, 300000 bytes\), which JSON cannot hold: /),
      }),
    ]);
    expect(about(error, 'huge.json')[0]!.message).toMatch(
      /^unknown subject "x{60}…" \(1,000,000 characters\)\. Available subjects: /,
    );
    expect(about(error, 'key.json')[0]!.message).toMatch(/^unknown key "k{60}…" \(100,000 characters\)/);
    expect(error.message.length).toBeLessThan(2_000);
  });

  it('control characters in file names, keys and values are escaped before they reach the terminal', async () => {
    const red = '\u001b[31mred\u001b[0m';
    const error = await failure(
      await folder({ [`${red}.json`]: '{', 'key.json': valid('key', { [`x${red}`]: 1 }), [`${red}.txt`]: '' }),
    );
    expect(error.message).not.toMatch(/\u001b/);
    expect(error.message).toContain('\\x1b[31mred\\x1b[0m.json:1: not valid JSON');
    expect(error.message).toContain('unknown key "x\\x1b[31mred\\x1b[0m"');
    expect(error.message).toContain('\\x1b[31mred\\x1b[0m.txt: not a scenario file');
  });

  it('through the CLI: exit 2 (not an internal error), the file named, nothing raw on the terminal', async () => {
    const dir = await folder({
      'bomb.yaml': bomb,
      '\u001b[2Jclear.json': '{',
    });
    await symlink('/proc/self/mem', path.join(dir, 'unreadable.json'));
    const run = await runCli(['scenarios', '--scenarios', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.stderr).not.toMatch(/\u001b/);
    expect(run.stderr).toContain(`${path.join(dir, 'bomb.yaml')}: not valid YAML: its aliases expand`);
    expect(run.stderr).toContain(`${path.join(dir, '\\x1b[2Jclear.json')}:1: not valid JSON`);
    expect(run.stderr).toContain(`${path.join(dir, 'unreadable.json')}: cannot read this file`);
  });
});
