import { context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { IdTracer } from '../../src/telemetry/id-tracer.ts';

describe('IdTracer', () => {
  it('gives every span an id of its own, valid and never repeated, across many refills of its random pool', () => {
    const tracer = new IdTracer();
    const traceIds = new Set<string>();
    const spanIds = new Set<string>();
    // 4096-byte pool: 24 bytes a root span, so 2,000 spans refill it a dozen times.
    for (let i = 0; i < 2_000; i++) {
      const { traceId, spanId } = tracer.startSpan('run').spanContext();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(trace.isSpanContextValid({ traceId, spanId, traceFlags: 0 })).toBe(true);
      traceIds.add(traceId);
      spanIds.add(spanId);
    }
    expect(traceIds.size).toBe(2_000);
    expect(spanIds.size).toBe(2_000);
  });

  it("keeps the parent's trace id and gives the child a new span id", () => {
    const tracer = new IdTracer();
    const parent = tracer.startSpan('run');
    const child = tracer.startSpan('step', {}, trace.setSpan(context.active(), parent));
    expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(child.spanContext().spanId).not.toBe(parent.spanContext().spanId);
  });
});
