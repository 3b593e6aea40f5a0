/**
 * Every custom request/notification between the VS Code client and the language server.
 * One namespace per message: `method` literal, `type`, params/result types, and a comment saying
 * direction and purpose (the vscode-eslint `customMessages.ts` pattern). Other LSP clients
 * (Neovim, Helix) can ignore these: the server degrades to env-only credentials.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { EngineEvent, RunMode, SummaryEvent } from './events';

/** client → server: which `${secret:NAME}` names SecretStorage currently holds (names only, never values). */
export namespace SecretNamesNotification {
  export const method = 'dear/secretNames' as const;
  export interface Params { names: string[] }
  export const type = new NotificationType<Params>(method);
}

/**
 * server → client: resolve `${secret:NAME}` values for a network feature the user asked for
 * (carrier-name completion from Cin7 `ref/carrier`). Missing names are absent from `values`.
 * The server keeps the values only for the duration of the call.
 */
export namespace ResolveSecretsRequest {
  export const method = 'dear/resolveSecrets' as const;
  export interface Params { names: string[]; purpose: string }
  export interface Result { values: Record<string, string> }
  export const type = new RequestType<Params, Result, void>(method);
}

/** client → server: run the engine on a settings file. Resolves when the run ends. */
export namespace RunRequest {
  export const method = 'dear/run' as const;
  export interface Params {
    runId: string;
    uri: string;
    mode: RunMode;
    dryRun: boolean;
    /** Values for every `${secret:NAME}` the file references (resolved by the client). */
    secrets: Record<string, string>;
    /** Restrict an import to these order numbers ("Import these now" from the preview). */
    onlyOrderNumbers?: string[];
  }
  export interface Result { summary: SummaryEvent | null; error?: string }
  export const type = new RequestType<Params, Result, void>(method);
}

/** client → server: cancel a run started with RunRequest. */
export namespace CancelRunNotification {
  export const method = 'dear/cancelRun' as const;
  export interface Params { runId: string }
  export const type = new NotificationType<Params>(method);
}

/** server → client: one engine event of a run (for the output panel, progress and preview). */
export namespace RunEventNotification {
  export const method = 'dear/runEvent' as const;
  export interface Params { runId: string; event: EngineEvent }
  export const type = new NotificationType<Params>(method);
}

/** client → server: journal summary for "Dear: Show Sync Status". */
export namespace StatusRequest {
  export const method = 'dear/status' as const;
  export interface Params { uri: string }
  export interface Result {
    stateDir: string;
    imported: number;
    pendingWritebacks: number;
    writtenBack: number;
    needsAttention: { orderNumber?: string; saleId?: string; code: string; reason: string; retryable: boolean }[];
    lastRun?: { at: string; mode: RunMode; dryRun: boolean; summary: SummaryEvent };
  }
  export const type = new RequestType<Params, Result, void>(method);
}
