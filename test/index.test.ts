import { describe, expect, it } from 'vitest';
import * as lab from '../src/index.ts';

describe('the public API (src/index.ts) exports what the README advertises', () => {
  it('runs a scenario, derives its records, stores them and finds them again, all through src/index.ts', async () => {
    const server = await lab.ScriptedModelServer.start();
    const store = new lab.MemoryStore();
    try {
      const subject = lab.defineSubject({
        id: 'api-echo',
        description: 'echo',
        inputSchema: (await import('zod')).z.unknown(),
        outputSchema: (await import('zod')).z.strictObject({ n: (await import('zod')).z.number() }),
        run: async () => ({ n: 'not a number' }),
      });
      const scenario = lab.Scenario.parse({
        id: 'api',
        subject: 'api-echo',
        description: 'd',
        expected: 'validation_error',
        input: {},
      });
      const { event, trace, related } = await lab.runWithFailureDetection(subject, scenario, {
        model: server,
        buildId: 'b-api',
      });
      expect(event?.kind).toBe('validation_error');
      expect(lab.TraceRecord.parse(trace)).toEqual(trace);
      expect(trace.build_id).toBe('b-api');
      expect(lab.deriveRunRecords(trace).failure_traces).toHaveLength(related.failure_traces.length);
      expect(lab.failureTypeOf(event!)).toBe('violation');
      expect(lab.recordTypeOf(trace)).toBe('trace_record');
      for (const record of [trace, ...related.failure_traces]) await store.put(record);
      const found = await lab.recordsOfFailure(store, trace.failure_id!);
      expect(found.map(lab.recordTypeOf).sort()).toEqual(['failure_trace', 'trace_record']);
      expect(lab.upgradeTraceRecordV1).toBeTypeOf('function');
      expect(
        lab.classifyRun({
          deadlineMs: 1,
          elapsedMs: 0,
          cutOff: false,
          held: null,
          thrown: null,
          died: null,
          unhandled: null,
          checks: null,
          degraded: null,
        }),
      ).toBeNull();
      expect(Object.keys(lab.JSON_SCHEMAS)).toContain('trace-record');
    } finally {
      await store.close();
      await server.close();
    }
  });
});
