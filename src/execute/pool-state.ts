/** Whether this process has made its worker pools (loaded piscina): only then is there anything to close. */
let loaded = false;

/** Called when the worker pools are first made. */
export function markWorkerPoolsLoaded(): void {
  loaded = true;
}

/** True once a worker run made the pools. */
export function workerPoolsLoaded(): boolean {
  return loaded;
}
