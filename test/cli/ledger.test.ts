import { copyFile, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureRecord } from '../../src/contracts/failure-record.ts';
import { cosmosEnv, startCosmos } from '../helpers/cosmos-server.ts';
import { ROOT, runMain } from '../helpers/run-cli.ts';
import { schemaValidator } from '../helpers/schema-validator.ts';

/** Three failing scenarios and a control: a hallucination, a 429 not retried, a structured output that breaks its schema. */
const SCENARIOS = ['qa-cites-missing-doc', 'extractor-rate-limited', 'planner-wrong-shape', 'qa-citation-exists'];
const T0 = Date.parse('2026-11-02T09:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * 3_600_000).toISOString();
const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

let cosmos: Awaited<ReturnType<typeof startCosmos>>;
beforeAll(async () => {
  cosmos = await startCosmos();
});
afterAll(() => cosmos.close());

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
/** Random ids differ between runs of the test; everything else in a report must not. */
const normalize = (text: string) =>
  text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>');

async function golden(name: string, actual: string): Promise<void> {
  const file = path.join(ROOT, 'test', 'fixtures', name);
  if (UPDATE_GOLDEN) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, actual);
  }
  expect(actual).toBe(await readFile(file, 'utf8'));
}

describe.each(['files', 'cosmos'] as const)('the failure ledger end to end through the CLI (--store %s)', (store) => {
  it('three builds on a clock the test controls: repeats, escalations, a regression that reopens a resolved failure, MTTR, SLA breaches, both reports', async () => {
    const work = await mkdtemp(path.join(tmpdir(), `ledger-${store}-`));
    const scenarios = path.join(work, 'scenarios');
    await mkdir(scenarios);
    for (const id of SCENARIOS)
      await copyFile(path.join(ROOT, 'scenarios', `${id}.json`), path.join(scenarios, `${id}.json`));
    const env = {
      ...(store === 'cosmos'
        ? cosmosEnv(cosmos.endpoint, { COSMOS_CONTAINER_FAILURES: `failures-${path.basename(work)}` })
        : {}),
      LAB_BUILD_OWNER: 'alice',
      LAB_ESCALATION_CONTACT: 'lead@example.com',
      LAB_ACTOR: 'test',
    };
    const lab = async (args: string[], hours: number, expectCode = 0) => {
      // The CLI's main in this process, with the environment and folder a child would get: what the
      // commands print and record is the point, not their process.
      const run = await runMain([...args, '--store', store, '--dir', path.join(work, 'traces')], {
        env: { ...env, LAB_NOW: at(hours) },
        cwd: work,
      });
      expect(run.code, `${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(expectCode);
      return run;
    };
    const capture = async (build: string, hours: number) =>
      jsonLines((await lab(['capture', '--scenarios', scenarios, '--build-id', build, '--json'], hours)).stdout).at(-1)
        .summary;
    const list = async (hours: number, ...filters: string[]) =>
      jsonLines((await lab(['failures', 'list', '--json', ...filters], hours)).stdout) as FailureRecord[];

    // Build 1: three new failures, nothing repeated, nobody escalated.
    const b1 = await capture('b1', 0);
    expect(b1.ledger).toMatchObject({
      build_id: 'b1',
      recorded: 3,
      repeats: 0,
      regressions: 0,
      escalations: { build_owner: 0, escalation_contact: 0 },
    });
    const first = await list(0, '--build-id', 'b1');
    expect(first.map((r) => [r.lab.scenario_id, r.status, r.category, r.severity]).sort()).toEqual([
      ['extractor-rate-limited', 'OPEN', 'INFRA', 'HIGH'],
      ['planner-wrong-shape', 'OPEN', 'INTEGRATION', 'HIGH'],
      ['qa-cites-missing-doc', 'OPEN', 'GOVERNANCE', 'HIGH'],
    ]);
    const validRecord = await schemaValidator('failure-record');
    for (const r of first) expect(validRecord(r), r.failure_id).toBeNull();

    // The hallucination is investigated and resolved two hours later.
    const hallucination = first.find((r) => r.lab.scenario_id === 'qa-cites-missing-doc')!;
    await lab(['failures', 'update', hallucination.failure_id, '--status', 'INVESTIGATING', '--owner', 'bob'], 1);
    const illegal = await lab(['failures', 'update', hallucination.failure_id, '--status', 'PREVENTED'], 1, 2);
    expect(illegal.stderr).toMatch(
      /cannot become PREVENTED\. From INVESTIGATING it can become RESOLVED \(`failures resolve [^`]+`\) or OPEN \(`failures update [^`]+ --status OPEN`\)/,
    );
    await lab(
      [
        'failures',
        'resolve',
        hallucination.failure_id,
        '--type',
        'FIX',
        '--description',
        'cite only retrieved ids',
        '--commit',
        'abc1234',
      ],
      2,
    );

    // Build 2, a day later: every failure repeats (escalated to the build owner); the resolved one is a regression and reopens.
    const b2 = await capture('b2', 24);
    expect(b2.ledger).toMatchObject({
      recorded: 3,
      repeats: 3,
      regressions: 1,
      escalations: { build_owner: 3, escalation_contact: 0 },
    });
    const reopened = (await lab(['failures', 'show', hallucination.failure_id, '--json'], 24)).stdout;
    const earlier = JSON.parse(reopened) as FailureRecord;
    expect(earlier.status).toBe('OPEN');
    expect(earlier.lab.status_history.map((h) => `${h.from ?? 'new'}>${h.to} ${h.actor}`)).toEqual([
      'new>OPEN lab',
      'OPEN>INVESTIGATING test',
      'INVESTIGATING>RESOLVED test',
      'RESOLVED>OPEN lab',
    ]);
    expect(earlier.lab.status_history.at(-1)).toMatchObject({
      build_id: 'b2',
      note: expect.stringMatching(/^a regression: recurred in build b2 as /),
    });
    const second = await list(24, '--build-id', 'b2');
    const regression = second.find((r) => r.lab.scenario_id === 'qa-cites-missing-doc')!;
    expect(regression.lab.regression).toEqual({ of: hallucination.failure_id, build_id: 'b2' });
    expect(regression.repetition_tracking).toEqual({
      is_repeat: true,
      previous_occurrence_ids: [hallucination.failure_id],
      repeat_count: 1,
      days_since_last_occurrence: 1,
    });
    expect(regression.lab.escalations).toEqual([
      { level: 'build_owner', to: 'alice', at: at(24), occurrence: 2, build_id: 'b2' },
    ]);
    expect(regression.lab.fingerprint).toBe(hallucination.lab.fingerprint);

    // Build 3, two days later: the third occurrence goes to the escalation contact.
    const b3 = await capture('b3', 72);
    expect(b3.ledger).toMatchObject({
      recorded: 3,
      repeats: 3,
      regressions: 0,
      escalations: { build_owner: 0, escalation_contact: 3 },
    });
    const third = await list(72, '--build-id', 'b3');
    for (const r of third) {
      expect(r.repetition_tracking.repeat_count, r.lab.scenario_id!).toBe(2);
      expect(r.lab.escalations, r.lab.scenario_id!).toEqual([
        { level: 'escalation_contact', to: 'lead@example.com', at: at(72), occurrence: 3, build_id: 'b3' },
      ]);
    }

    // SLA: HIGH is 24 hours, so at hour 96 everything of builds 1 and 2 is overdue (the resolved one was reopened); build 3's are due exactly then.
    const overdue = await list(96, '--overdue');
    expect(overdue).toHaveLength(6);
    expect(overdue.every((r) => r.build_id !== 'b3')).toBe(true);

    // Analytics: MTTR of the one resolution (2 hours), the repeats, the breaches.
    const analytics = path.join(work, 'analytics');
    await lab(['analytics', '--out', analytics, '--as-of', at(96)], 96);
    const mttr = JSON.parse(await readFile(path.join(analytics, 'mttr-metrics.json'), 'utf8'));
    expect(mttr.overall.resolution).toMatchObject({ count: 1, mean_hours: 2, max_hours: 2 });
    const repeats = JSON.parse(await readFile(path.join(analytics, 'repeat-failures.json'), 'utf8'));
    expect(
      repeats.failures
        .map((f: { records: number; escalations: number; regressions: number }) => [
          f.records,
          f.escalations,
          f.regressions,
        ])
        .sort(),
    ).toEqual([
      [3, 2, 0],
      [3, 2, 0],
      [3, 2, 1],
    ]);
    for (const name of ['failure-trends', 'failure-by-category', 'repeat-failures', 'mttr-metrics'])
      expect(
        (await schemaValidator(name))(JSON.parse(await readFile(path.join(analytics, `${name}.json`), 'utf8'))),
        name,
      ).toBeNull();

    // Both reports, as Markdown, against golden files (the same for every store).
    const weekly = (await lab(['report', '--period', 'weekly', '--as-of', at(96)], 96)).stdout;
    const monthly = (await lab(['report', '--period', 'monthly', '--as-of', at(96)], 96)).stdout;
    await golden('ledger-e2e-weekly.golden.md', normalize(weekly));
    await golden('ledger-e2e-monthly.golden.md', normalize(monthly));
    expect(weekly).toBe((await lab(['report', '--period', 'weekly', '--as-of', at(96)], 100)).stdout);
  }, 180_000);
});
