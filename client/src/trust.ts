/**
 * Restricted Mode guard for commands that call the Cin7 Core or Starshipit APIs. Pure: the caller
 * passes `vscode.workspace.isTrusted`. A hostile repository could point `baseUrl` somewhere else and
 * have the user's stored credentials sent there, so network commands refuse until the user trusts
 * the workspace (the server refuses too, see server/src/syncService.ts).
 */
export function restrictedModeRefusal(
  isTrusted: boolean,
  commandTitle: string,
): string | undefined {
  if (isTrusted) return undefined;
  return (
    `Dear: "${commandTitle}" is disabled in Restricted Mode. It would send your Cin7 Core and Starshipit ` +
    "credentials to the endpoints this workspace's settings file names. Trust the workspace to run it; " +
    'editing help (validation, completion, hover) keeps working without trust.'
  );
}

/** Commands that reach an API (directly or through the engine). The sandbox commands stay on loopback. */
export const NETWORK_COMMANDS: readonly string[] = [
  'dear.importNow',
  'dear.previewImport',
  'dear.writebackNow',
  'dear.previewWriteback',
  'dear.syncNow',
  'dear.retryAttention',
  'dear.checkConnection',
  'dear.reconcile',
];
