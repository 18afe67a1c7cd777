import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { ConfigError } from '../errors/config-error.ts';
import { localTracer } from './id-tracer.ts';
import type { Telemetry } from './telemetry.ts';

/** The OTLP protocols the lab exports with (the specification's default first). */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/**
 * Where spans go, from the standard OTLP exporter variables: the traces endpoint
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, used as it is, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces)
 * and the protocol (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else
 * http/protobuf, the specification's default). Headers (OTEL_EXPORTER_OTLP_HEADERS and
 * OTEL_EXPORTER_OTLP_TRACES_HEADERS), timeout and compression are read by the exporter itself.
 * Null when no endpoint is set: nothing is exported.
 */
export function otlpTarget(env: NodeJS.ProcessEnv): { protocol: OtlpProtocol } | null {
  if (!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT && !env.OTEL_EXPORTER_OTLP_ENDPOINT) return null;
  const variable = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = env[variable]?.trim() || 'http/protobuf';
  if (!(OTLP_PROTOCOLS as readonly string[]).includes(protocol))
    throw new ConfigError({
      message: `${variable}=${protocol} is not supported: set it to ${OTLP_PROTOCOLS.join(' or ')} (grpc is not; point the lab at a collector's HTTP port, 4318)`,
    });
  return { protocol: protocol as OtlpProtocol };
}

/**
 * Telemetry as the CLI configures it. Spans are exported over OTLP/HTTP only when an OTLP
 * endpoint is set (see otlpTarget); otherwise nothing leaves the machine, and with no exporter at
 * all nothing is recorded: spans get real ids from a tracer that needs no SDK, which is loaded only
 * when spans go somewhere.
 */
export async function startTelemetryFromEnv(
  env: NodeJS.ProcessEnv,
  exporters: SpanExporter[] = [],
): Promise<Telemetry> {
  const target = otlpTarget(env);
  if (!target && exporters.length === 0)
    return { tracer: localTracer(), exporting: false, forceFlush: async () => {}, shutdown: async () => {} };
  const { startTelemetry } = await import('./telemetry.ts');
  if (!target) return startTelemetry({ exporters });
  const { OTLPTraceExporter } =
    target.protocol === 'http/json'
      ? await import('@opentelemetry/exporter-trace-otlp-http')
      : await import('@opentelemetry/exporter-trace-otlp-proto');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
  return startTelemetry({ exporters, processors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] });
}
