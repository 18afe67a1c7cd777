import { describe, expect, it } from 'vitest';
import { monthlyReport } from '../../src/analytics/monthly-report.ts';
import { weeklyReport } from '../../src/analytics/weekly-report.ts';
import { AS_OF, fid, handBuiltRecords } from '../fixtures/analytics-records.ts';
import { shuffled, streamOf } from './shuffle.ts';

const headings = (markdown: string) => markdown.split('\n').filter((line) => line.startsWith('#'));

describe('weeklyReport', async () => {
  const report = await weeklyReport(streamOf(handBuiltRecords()), { asOf: AS_OF });

  it('matches the golden file', async () => {
    await expect(report).toMatchFileSnapshot('../fixtures/weekly-report.golden.md');
  });

  it("has the document's seven contents as numbered sections, SLA breaches under MTTR", () => {
    expect(headings(report)).toEqual([
      '# Weekly failure report',
      '## 1. Total failures this week',
      '## 2. Failures by category',
      '## 3. Failures by severity',
      '## 4. Repeat failures',
      '## 5. Mean time to resolution (MTTR)',
      '### SLA breaches',
      '## 6. Prevention measures implemented',
      '## 7. Governance updates made',
    ]);
  });

  it('covers [as-of − 7 days, as-of) and lists the SLA breaches, most overdue first', () => {
    expect(report).toContain('The week of 2026-01-08 to 2026-01-14 (UTC), as of 2026-01-15 00:00 UTC.');
    expect(report).toContain('**5 failures** this week, in 10 runs. The week before: 2 failures.');
    const breaches = report.slice(report.indexOf('### SLA breaches'), report.indexOf('## 6.'));
    expect([fid(2), fid(12), fid(3)].map((id) => breaches.indexOf(id))).toEqual(
      [...[fid(2), fid(12), fid(3)].map((id) => breaches.indexOf(id))].sort((a, b) => a - b),
    );
    expect(breaches).toContain(`| \`${fid(2)}\` | HIGH | 2026-01-10 09:00 UTC | 4.6 days | still OPEN |`);
    expect(breaches).toContain(`| \`${fid(12)}\` | MEDIUM | 2026-01-06 00:00 UTC | 3.0 days | resolved late |`);
    expect(breaches).not.toContain(fid(8));
  });

  it('is the same for any order of the records, and leaves out what happened at or after as-of', async () => {
    expect(await weeklyReport(shuffled(handBuiltRecords(), 5), { asOf: AS_OF })).toBe(report);
    const before = handBuiltRecords().filter((r) => Date.parse(r.timestamp) < Date.parse(AS_OF));
    expect(await weeklyReport(before, { asOf: AS_OF })).toBe(report);
  });

  it('says "none this week" where a week had nothing', async () => {
    const empty = await weeklyReport([], { asOf: AS_OF });
    expect(headings(empty)).toHaveLength(9);
    expect(empty).toContain('No failures this week.');
    expect(empty).toContain('## 4. Repeat failures\n\nNone this week');
    expect(empty).toContain('No failure was resolved this week.');
    expect(empty).toContain('No failure is past its SLA');
    expect(empty).toContain('## 6. Prevention measures implemented\n\nNone this week');
    expect(empty).toContain('## 7. Governance updates made\n\nNone this week.');
  });
});

describe('monthlyReport', async () => {
  const report = await monthlyReport(streamOf(handBuiltRecords()), { asOf: AS_OF });

  it('matches the golden file', async () => {
    await expect(report).toMatchFileSnapshot('../fixtures/monthly-report.golden.md');
  });

  it("has the document's six contents as numbered sections, then the SLA breaches", () => {
    expect(headings(report)).toEqual([
      '# Monthly failure trends',
      '## 1. Failure trends over time',
      '## 2. Most common failure categories',
      '## 3. Repeat failure rate',
      '## 4. Prevention effectiveness',
      '## 5. Governance evolution summary',
      '## 6. FM evolution priorities: what to automate',
      '### Most common',
      '### Most costly',
      '### Most preventable',
      '## SLA breaches',
    ]);
  });

  it('covers [as-of − 30 days, as-of) in weekly rows counted back from as-of', () => {
    expect(report).toContain('The 30 days from 2025-12-16 to 2026-01-14 (UTC)');
    const rows = report.split('\n').filter((line) => /^\| \d{4}-\d{2}-\d{2} to /.test(line));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual([
      '| 2025-12-16 to 2025-12-17',
      '| 2025-12-18 to 2025-12-24',
      '| 2025-12-25 to 2025-12-31',
      '| 2026-01-01 to 2026-01-07',
      '| 2026-01-08 to 2026-01-14',
    ]);
    expect(report).toContain('**33%** of the failures were repeats: 3 of 9');
    expect(report).toContain('prevention held for **67%**');
  });

  it('is the same for any order of the records', async () => {
    expect(await monthlyReport(shuffled(handBuiltRecords(), 11), { asOf: AS_OF })).toBe(report);
  });

  it('says so where 30 days had nothing', async () => {
    const empty = await monthlyReport([], { asOf: AS_OF });
    expect(headings(empty)).toEqual([
      '# Monthly failure trends',
      '## 1. Failure trends over time',
      '## 2. Most common failure categories',
      '## 3. Repeat failure rate',
      '## 4. Prevention effectiveness',
      '## 5. Governance evolution summary',
      '## 6. FM evolution priorities: what to automate',
      '## SLA breaches',
    ]);
    expect(empty).toContain('None in these 30 days.');
    expect(empty).toContain('No failure has been prevented yet');
    expect(empty).toContain('Nothing to automate');
  });
});
