/** `dear-starshipit status` / "Dear: Show Sync Status": a read-only summary of the journal. */
import type { StatusRequest } from '../../../protocol/lsp';
import { Journal } from './journal';

export async function readStatusImpl(stateDir: string): Promise<StatusRequest.Result> {
  const st = Journal.read(stateDir);
  let imported = 0;
  for (const o of st.orders.values()) if (o.state === 'created') imported++;
  let pending = 0;
  let written = 0;
  for (const w of st.writebacks.values()) {
    if (w.state === 'done') written++;
    else pending++;
  }
  return {
    stateDir,
    imported,
    pendingWritebacks: pending,
    writtenBack: written,
    needsAttention: [...st.attention.values()].map((a) => ({
      orderNumber: a.orderNumber,
      saleId: a.saleId,
      code: a.code,
      reason: a.reason,
      retryable: a.retryable,
    })),
    ...(st.lastRun ? { lastRun: st.lastRun } : {}),
  };
}
