/**
 * Every custom request/notification between the VS Code client and the language server.
 * One namespace per message: `method` literal, `type`, params/result types, and a comment saying
 * direction and purpose (the vscode-eslint `customMessages.ts` pattern). Other LSP clients
 * (Neovim, Helix) can ignore these: the server degrades to env-only credentials.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { DoctorReport } from './doctor';
import type { EngineEvent, RunMode, SummaryEvent } from './events';
import type { ReconcileSummary } from './reconcile';

/** client → server: which `${secret:NAME}` names SecretStorage currently holds (names only, never values). */
export namespace SecretNamesNotification {
  export const method = 'dear/secretNames' as const;
  export interface Params {
    names: string[];
  }
  export const type = new NotificationType<Params>(method);
}

/**
 * server → client: resolve `${secret:NAME}` values for a network feature the user asked for
 * (carrier-name completion from Cin7 `ref/carrier`). Missing names are absent from `values`.
 * The server keeps the values only for the duration of the call.
 */
export namespace ResolveSecretsRequest {
  export const method = 'dear/resolveSecrets' as const;
  export interface Params {
    names: string[];
    purpose: string;
  }
  export interface Result {
    values: Record<string, string>;
  }
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
    /**
     * The client's view of workspace trust. `false` makes the server refuse the run before any
     * network call (Restricted Mode). Absent means "not told"; the last WorkspaceTrustNotification
     * then decides.
     */
    trusted?: boolean;
    /**
     * Values of `${env:NAME}` references as the editor's extension host sees them. The server uses
     * these first and falls back to its own process environment.
     */
    env?: Record<string, string>;
  }
  export interface Result {
    summary: SummaryEvent | null;
    error?: string;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/**
 * client → server: "Dear: Check Connection" — the doctor's read-only calls to both APIs for a
 * settings file (server/src/engine/doctor.ts). Credentials and trust travel as for RunRequest.
 */
export namespace DoctorRequest {
  export const method = 'dear/doctor' as const;
  export interface Params {
    uri: string;
    secrets: Record<string, string>;
    env?: Record<string, string>;
    trusted?: boolean;
  }
  export interface Result {
    report: DoctorReport | null;
    error?: string;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/**
 * client → server: "Dear: Reconcile" — compare Cin7 Core, Starshipit and the journal for a period
 * (server/src/engine/reconcile.ts). Without `apply` nothing is written. Credentials and trust
 * travel as for RunRequest; engine events of the run arrive as RunEventNotification with `runId`.
 */
export namespace ReconcileRequest {
  export const method = 'dear/reconcile' as const;
  export interface Params {
    runId: string;
    uri: string;
    /** Start of the period (ISO date); default `import.since`, else 30 days ago. */
    since?: string;
    apply?: boolean;
    secrets: Record<string, string>;
    env?: Record<string, string>;
    trusted?: boolean;
  }
  export interface Result {
    summary: ReconcileSummary | null;
    error?: string;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** client → server: cancel a run started with RunRequest. */
export namespace CancelRunNotification {
  export const method = 'dear/cancelRun' as const;
  export interface Params {
    runId: string;
  }
  export const type = new NotificationType<Params>(method);
}

/** server → client: one engine event of a run (for the output panel, progress and preview). */
export namespace RunEventNotification {
  export const method = 'dear/runEvent' as const;
  export interface Params {
    runId: string;
    event: EngineEvent;
  }
  export const type = new NotificationType<Params>(method);
}

/** client → server: journal summary for "Dear: Show Sync Status". */
export namespace StatusRequest {
  export const method = 'dear/status' as const;
  export interface Params {
    uri: string;
  }
  export interface Result {
    stateDir: string;
    imported: number;
    pendingWritebacks: number;
    writtenBack: number;
    needsAttention: {
      orderNumber?: string;
      saleId?: string;
      code: string;
      reason: string;
      retryable: boolean;
    }[];
    lastRun?: { at: string; mode: RunMode; dryRun: boolean; summary: SummaryEvent };
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** client → server: the workspace trust state, sent at start and whenever it changes. */
export namespace WorkspaceTrustNotification {
  export const method = 'dear/workspaceTrust' as const;
  export interface Params {
    trusted: boolean;
  }
  export const type = new NotificationType<Params>(method);
}

/** client → server: start the built-in sandbox inside the language server process (loopback only). */
export namespace StartSandboxRequest {
  export const method = 'dear/startSandbox' as const;
  export interface Params {
    /** Divide every API window and wait by this factor (1 = real time). */
    timeScale?: number;
    sales?: number;
    seed?: number;
    /** Persist the sandbox state to this JSON file so orders survive a restart. */
    stateFile?: string;
  }
  export interface Result {
    dearBaseUrl: string;
    starshipitBaseUrl: string;
    controlUrl: string;
    /** The sandbox's own fake credentials (not user secrets). */
    credentials: {
      dearAccountId: string;
      dearApiKey: string;
      starshipitApiKey: string;
      starshipitSubscriptionKey: string;
    };
    timeScale: number;
    /** True when a sandbox was already running; the result then describes that one. */
    alreadyRunning: boolean;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** client → server: stop the sandbox started with StartSandboxRequest. */
export namespace StopSandboxRequest {
  export const method = 'dear/stopSandbox' as const;
  export interface Result {
    stopped: boolean;
  }
  export const type = new RequestType<Record<string, never>, Result, void>(method);
}

/**
 * client → server: in the running sandbox, "print a label" for imported orders that have none yet,
 * so tracking writeback can be tried. Returns the order numbers labelled.
 */
export namespace SandboxPrintLabelsRequest {
  export const method = 'dear/sandboxPrintLabels' as const;
  export interface Params {
    max?: number;
    carrier?: string;
  }
  export interface Result {
    orderNumbers: string[];
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** client → server: what the sync side of the server knows (for "Show Sync Status" and tests). */
export namespace ServerInfoRequest {
  export const method = 'dear/serverInfo' as const;
  export interface Result {
    /** Secret names the client reported (names only), when the server wires them to the sync side. */
    secretNames?: string[];
    /** Last trust state the client reported (undefined: never told). */
    trusted?: boolean;
    activeRuns: string[];
    sandbox?: { dearBaseUrl: string; starshipitBaseUrl: string };
    /** Whether the engine module is present in this build. */
    engineAvailable: boolean;
  }
  export const type = new RequestType<Record<string, never>, Result, void>(method);
}

// ---- settings text the client needs read or edited (the server owns the language) ------------

/** `${secret:NAME}` and `${env:NAME}` names a settings text references, in file order. */
export interface CredentialRefs {
  secrets: string[];
  env: string[];
}

/** A replacement in a text: `length` characters at `offset` become `newText`. */
export interface SettingsTextEdit {
  offset: number;
  length: number;
  newText: string;
}

/** Where a running sandbox listens, and how much faster than the real APIs its clock runs. */
export interface SandboxEndpoints {
  dearBaseUrl: string;
  starshipitBaseUrl: string;
  timeScale: number;
}

/**
 * client → server: the credential references of a settings text (comments ignored), the setting
 * each secret is written in (e.g. `dear.apiKey`) and `dear.apiVersion` (1 or 2, default 2).
 */
export namespace SettingsReferencesRequest {
  export const method = 'dear/settingsReferences' as const;
  export interface Params {
    text: string;
  }
  export interface Result extends CredentialRefs {
    /** Secret NAME → the setting it is referenced from. */
    secretSettings: Record<string, string>;
    apiVersion: 1 | 2;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/**
 * client → server: the edits that write `section.key: "${secret:NAME}"` for each reference into a
 * settings text (replace a plain value, insert a missing key, append a missing section). `error`
 * says why the text cannot be edited (YAML errors, a setting that is not a plain value).
 */
export namespace SecretReferenceEditsRequest {
  export const method = 'dear/secretReferenceEdits' as const;
  export interface Params {
    text: string;
    refs: { path: [string, string]; name: string }[];
  }
  export interface Result {
    edits: SettingsTextEdit[];
    error?: string;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** client → server: a sandbox settings text with its two base URLs pointed at a new sandbox. */
export namespace RetargetSandboxSettingsRequest {
  export const method = 'dear/retargetSandboxSettings' as const;
  export interface Params {
    text: string;
    endpoints: SandboxEndpoints;
  }
  export interface Result {
    text: string;
  }
  export const type = new RequestType<Params, Result, void>(method);
}
