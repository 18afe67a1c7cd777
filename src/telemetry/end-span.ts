import { type Span, SpanStatusCode } from '@opentelemetry/api';
import type { ErrorInfo } from '../contracts/common.ts';
import { ERROR_TYPE } from './gen-ai-attributes.ts';

/**
 * The one way the lab ends a span: on failure it records the (already redacted) error as an
 * exception event, sets status ERROR and error.type; it always ends the span.
 */
export function endSpan(
  span: Span,
  failure?: { errorType: string; error?: ErrorInfo | null; message?: string },
  endTime?: number,
): void {
  try {
    if (failure) {
      span.setAttribute(ERROR_TYPE, failure.errorType);
      if (failure.error) {
        span.recordException(
          { name: failure.error.class, message: failure.error.message, stack: failure.error.stack ?? undefined },
          endTime,
        );
      }
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: failure.message ?? failure.error?.message ?? failure.errorType,
      });
    }
  } finally {
    span.end(endTime);
  }
}
