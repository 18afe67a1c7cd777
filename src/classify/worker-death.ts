import type { ErrorInfo } from '../contracts/common.ts';
import type { Redact } from '../internal/redact.ts';
import { errorInfo } from '../internal/to-error.ts';

/** A worker's 'error' event: heap exhaustion (ERR_WORKER_OUT_OF_MEMORY) or an error thrown where nothing caught it. */
export function workerErrorInfo(error: unknown, redact: Redact): ErrorInfo {
  return errorInfo(error, redact);
}

/** A worker that exited before finishing its run: the subject called process.exit (or the thread ended by itself). */
export function workerExitInfo(code: number): ErrorInfo {
  return {
    class: 'WorkerExit',
    name: 'WorkerExit',
    message: `the subject ended its worker thread with exit code ${code} (process.exit) before finishing its run`,
    stack: null,
    thrown: 'error',
    code: 'ERR_WORKER_EXIT',
    status: null,
    cause: null,
  };
}

/** A rejection the run left unhandled, in its worker. */
export function unhandledRejectionInfo(reason: unknown, redact: Redact): ErrorInfo {
  const error = errorInfo(reason, redact);
  return { ...error, code: error.code ?? 'ERR_UNHANDLED_REJECTION' };
}
