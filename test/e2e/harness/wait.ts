/**
 * Polling on a real condition (a log line, an HTTP status, a DOM state) with a deadline and a
 * message that says what was awaited. This is the harness's only way to wait: no fixed sleeps.
 */
export interface WaitOptions {
  timeoutMs: number;
  /** What we are waiting for, for the timeout message. */
  what: string;
  /** Poll interval; the check itself is what is awaited, this only paces re-checks. */
  intervalMs?: number;
}

export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  opts: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 100;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      // A check that throws "for good" (e.g. the process exited) is rethrown at once.
      if (err instanceof Error && /exited|crashed|closed/.test(err.message)) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}${why}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
