import { randomBytes } from 'node:crypto';
import { type Context, type Span, type SpanOptions, trace, TraceFlags, type Tracer } from '@opentelemetry/api';

/**
 * A tracer that records nothing and exports nothing, but gives every span real ids: a new trace
 * id for a root span, the parent's trace id and a new span id otherwise. The lab puts those ids in
 * its records, so a run without telemetry needs no SDK loaded at all.
 */
export class IdTracer implements Tracer {
  startSpan(_name: string, _options?: SpanOptions, parent?: Context): Span {
    const parentContext = parent ? trace.getSpanContext(parent) : undefined;
    return trace.wrapSpanContext({ traceId: parentContext?.traceId ?? randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: TraceFlags.NONE });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...args: unknown[]): ReturnType<F> {
    const fn = args.at(-1) as F;
    const options = (args.length > 1 ? args[0] : undefined) as SpanOptions | undefined;
    const parent = (args.length > 2 ? args[1] : undefined) as Context | undefined;
    return fn(this.startSpan(name, options, parent)) as ReturnType<F>;
  }
}

let privateTracer: Tracer | undefined;

/**
 * A tracer for runs started without telemetry: real span ids, recorded and exported nowhere,
 * independent of the global provider (library use never changes process-wide state), and with no
 * SDK to load.
 */
export function localTracer(): Tracer {
  privateTracer ??= new IdTracer();
  return privateTracer;
}
