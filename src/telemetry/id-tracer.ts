import { randomFillSync } from 'node:crypto';
import { type Context, type Span, type SpanOptions, trace, TraceFlags, type Tracer } from '@opentelemetry/api';

/**
 * A tracer that records nothing and exports nothing, but gives every span real ids: a new trace
 * id for a root span, the parent's trace id and a new span id otherwise. The lab puts those ids in
 * its records, so a run without telemetry needs no SDK loaded at all.
 */
export class IdTracer implements Tracer {
  startSpan(_name: string, _options?: SpanOptions, parent?: Context): Span {
    const parentContext = parent ? trace.getSpanContext(parent) : undefined;
    return trace.wrapSpanContext({
      traceId: parentContext?.traceId ?? randomHex(16),
      spanId: randomHex(8),
      traceFlags: TraceFlags.NONE,
    });
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

/** Random bytes are drawn from the system a pool at a time: one call per id cost a fifth of a run's overhead. */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

/** `bytes` random bytes, as hex (cryptographically random, like randomBytes; never reused). */
function randomHex(bytes: number): string {
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}
