import { context, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
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
 * Starts tracing for the process: a TracerProvider (registered as the global one, with an
 * AsyncLocalStorage context manager so frameworks' spans nest under the run span) whose spans go
 * to the exporters given (tests pass an InMemorySpanExporter), and nowhere else.
 */
export function startTelemetry({
  exporters = [],
  processors: extra = [],
}: {
  env?: NodeJS.ProcessEnv;
  exporters?: SpanExporter[];
  processors?: SpanProcessor[];
} = {}): Telemetry {
  const processors: SpanProcessor[] = [...exporters.map((exporter) => new SimpleSpanProcessor({ exporter })), ...extra];
  // An empty list would leave spans unsampled, with all-zero ids.
  if (processors.length === 0) processors.push(new NoopSpanProcessor());
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': TRACER_NAME }),
    spanProcessors: processors,
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: provider.getTracer(TRACER_NAME),
    exporting: extra.length > 0,
    forceFlush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
