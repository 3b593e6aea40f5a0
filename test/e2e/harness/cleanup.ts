/**
 * Last-resort cleanup: every process group and browser the harness starts is registered here and
 * killed when the test process exits for any reason (normal end, failure, SIGINT/SIGTERM), so no
 * code-server or Chromium outlives a run even when a test forgets to stop it.
 */
type Closer = { name: string; close: () => Promise<void>; killNow: () => void };

const live = new Set<Closer>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.killNow();
      } catch {
        /* already gone */
      }
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void closeAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}

export function track(c: Closer): () => void {
  install();
  live.add(c);
  return () => {
    live.delete(c);
  };
}

/** Close everything still open (used by the runner's global after hook). */
export async function closeAll(): Promise<void> {
  const all = [...live];
  await Promise.allSettled(
    all.map(async (c) => {
      try {
        await c.close();
      } catch {
        c.killNow();
      }
      live.delete(c);
    }),
  );
}

export function liveCount(): number {
  return live.size;
}
