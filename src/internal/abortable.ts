/** A promise that rejects with the signal's reason when it aborts; start may resolve it earlier. */
export function abortable(signal: AbortSignal, start: (resolve: () => void) => NodeJS.Timeout | void): Promise<void> {
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      if (timer) clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = start(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits ms, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return abortable(signal, (resolve) => setTimeout(resolve, ms));
}
