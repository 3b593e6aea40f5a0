/** `dear-starshipit status` / "Dear: Show Sync Status": a read-only summary of the journal. */
import type { StatusRequest } from '../../../protocol/lsp';
import { Journal } from './journal';

export async function readStatusImpl(stateDir: string): Promise<StatusRequest.Result> {
  const st = Journal.read(stateDir);
  let imported = 0;
  for (const order of st.orders.values()) if (order.state === 'created') imported++;
  let pending = 0;
  let written = 0;
  for (const writeback of st.writebacks.values()) {
    if (writeback.state === 'done') written++;
    else pending++;
  }
  return {
    stateDir,
    imported,
    pendingWritebacks: pending,
    writtenBack: written,
    needsAttention: [...st.attention.values()].map((item) => ({
      orderNumber: item.orderNumber,
      saleId: item.saleId,
      code: item.code,
      reason: item.reason,
      retryable: item.retryable,
    })),
    ...(st.lastRun ? { lastRun: st.lastRun } : {}),
  };
}
