import { describe, expect, it } from 'vitest';
import { transition } from '../../src/ledger/lifecycle.ts';
import { makeFailureRecord } from '../helpers/failure-records.ts';

const at = '2026-01-02T00:00:00.000Z';

describe('an illegal status change', () => {
  it('names every move the lifecycle allows from there, PREVENTED included, each with its command', () => {
    const resolved = makeFailureRecord({ status: 'RESOLVED' });
    const id = resolved.failure_id;
    expect(() => transition(resolved, 'INVESTIGATING', { at, actor: 'a' })).toThrow(
      `failure ${id} is RESOLVED: it cannot become INVESTIGATING. From RESOLVED it can become PREVENTED (through a verified prevention: \`failures prevent ${id} --regression FILE --control FILE\`) or OPEN (\`failures update ${id} --status OPEN\`).`,
    );
  });

  it('says PREVENTED is reached another way when it is a legal move but set by hand', () => {
    const resolved = makeFailureRecord({ status: 'RESOLVED' });
    expect(() => transition(resolved, 'PREVENTED', { at, actor: 'a' })).toThrow(
      /cannot become PREVENTED this way\. From RESOLVED it can become PREVENTED \(through a verified prevention: .*\) or OPEN/,
    );
    expect(transition(resolved, 'PREVENTED', { at, actor: 'a', verified: true }).status).toBe('PREVENTED');
  });
});
