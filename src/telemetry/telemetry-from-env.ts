import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { localTracer } from './id-tracer.ts';
import type { Telemetry } from './telemetry.ts';

/**
 * Telemetry as the CLI configures it. Spans are exported over OTLP/HTTP (JSON to
 * `${OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`, with the other OTEL_* variables the exporter reads)
 * only when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise nothing leaves the machine, and with no
 * exporter at all nothing is recorded: spans get real ids from a tracer that needs no SDK, which
 * is loaded only when spans go somewhere.
 */
export async function startTelemetryFromEnv(
  env: NodeJS.ProcessEnv,
  exporters: SpanExporter[] = [],
): Promise<Telemetry> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && exporters.length === 0)
    return { tracer: localTracer(), exporting: false, forceFlush: async () => {}, shutdown: async () => {} };
  const { startTelemetry } = await import('./telemetry.ts');
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return startTelemetry({ exporters });
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
  return startTelemetry({ exporters, processors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] });
}
