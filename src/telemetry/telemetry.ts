import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** The instrumentation scope name of every lab span. */
export const TRACER_NAME = 'agent-failure-lab';

/** A started tracing pipeline. */
export interface Telemetry {
  readonly tracer: Tracer;
  /** True when spans leave the process (OTLP/HTTP). */
  readonly exporting: boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Starts @opentelemetry/sdk-node for the process. Spans go to OTLP/HTTP only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set, and to any exporters given (tests pass an
 * InMemorySpanExporter); otherwise nothing leaves the machine.
 */
export function startTelemetry({ env = process.env, exporters = [] }: { env?: NodeJS.ProcessEnv; exporters?: SpanExporter[] } = {}): Telemetry {
  const processors: SpanProcessor[] = exporters.map((exporter) => new SimpleSpanProcessor({ exporter }));
  const exporting = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (exporting) processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
  // An empty list would mean "no tracing" to NodeSDK, and spans would carry all-zero ids.
  if (processors.length === 0) processors.push(new NoopSpanProcessor());
  const sdk = new NodeSDK({
    serviceName: TRACER_NAME,
    spanProcessors: processors,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
    autoDetectResources: false,
  });
  sdk.start();
  return {
    tracer: trace.getTracer(TRACER_NAME),
    exporting,
    forceFlush: async () => {
      await Promise.all(processors.map((p) => p.forceFlush()));
    },
    shutdown: () => sdk.shutdown(),
  };
}

let privateTracer: Tracer | undefined;

/**
 * A tracer for runs started without telemetry: real span ids, exported nowhere, and
 * independent of the global provider, so library use never changes process-wide state.
 */
export function localTracer(): Tracer {
  privateTracer ??= new TracerProvider({ spanProcessors: [] }).getTracer(TRACER_NAME);
  return privateTracer;
}
