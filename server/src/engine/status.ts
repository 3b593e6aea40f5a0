import type { StatusRequest } from '../../../protocol/lsp';

export async function readStatusImpl(stateDir: string): Promise<StatusRequest.Result> {
  return { stateDir, imported: 0, pendingWritebacks: 0, writtenBack: 0, needsAttention: [] };
}
