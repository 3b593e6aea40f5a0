/** Abortable sleep: rejects with the signal's reason when the run is cancelled. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class CancelledError extends Error {
  constructor() {
    super('run cancelled');
    this.name = 'CancelledError';
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof CancelledError ? signal.reason : new CancelledError();
}

export function isCancelled(err: unknown): boolean {
  return err instanceof CancelledError;
}
