import { describe, expect, it } from 'vitest';
import type { FailureRecord } from '../../src/contracts/failure-record.ts';
import type { TraceRecord } from '../../src/contracts/trace-record.ts';
import { reproduceScenario } from '../../src/ledger/reproduce.ts';

describe('reproduceScenario', () => {
  it('refuses a run that recorded no model exchange, saying why', () => {
    const record = { failure_id: 'f-1', lab: { fingerprint: 'fp' } } as unknown as FailureRecord;
    const trace = {
      trace_id: 't-1',
      steps: [],
      replay: { scenario: { id: 's' }, exchanges: [], tool_results: [] },
    } as unknown as TraceRecord;
    expect(() => reproduceScenario(record, trace)).toThrow(/recorded no model exchange.*client of its own/s);
  });
});
