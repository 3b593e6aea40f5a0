/**
 * LSP wiring only: documents, debounced validation, handlers that call the config core, the
 * secret-names notification and the background carrier-list refresh. Used by both entry points
 * (IPC from VS Code: server.ts; stdio for any LSP client: `dear-starshipit lsp --stdio`).
 *
 * Secrets: the server never sees SecretStorage. A client that holds secrets (the VS Code extension)
 * sends `dear/secretNames`; from then on a `${secret:NAME}` it does not hold is flagged. Clients
 * that never send it (Neovim, Helix…) get no missing-secret warnings; for them secrets resolve from
 * the server's environment by the front door's rule (frontDoor.ts), as in the CLI.
 */
import {
  CodeActionKind,
  TextDocumentSyncKind,
  TextDocuments,
  type CodeActionParams,
  type CodeLensParams,
  type CompletionItem,
  type CompletionParams,
  type Connection,
  type DocumentSymbolParams,
  type InitializeParams,
  type InitializeResult,
  type TextDocumentPositionParams,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  credentialReference,
  DEFAULT_DEAR_BASE_URL,
  DEFAULT_DEAR_V1_BASE_URL,
} from '../../protocol/settings';
import { ResolveSecretsRequest, SecretNamesNotification } from '../../protocol/lsp';
import {
  analyze,
  CarrierCatalog,
  getCodeActions,
  getCodeLenses,
  getCompletions,
  getDocumentSymbols,
  getHover,
  MAX_DOCUMENT_LENGTH,
  toLspDiagnostic,
  type Analysis,
} from './config';
import { Cin7CarrierSource, type CarrierSource } from './config/carrierSource';
import { isAllowedEndpoint } from './engine/endpoint';
import { applyInitializationOptions, networkAllowed, registerSyncHandlers } from './syncService';
import { VERSION } from './version';
import { registerSettingsEditHandlers } from './settingsEditHandlers';
import { errorMessage } from '../../protocol/errorMessage';
import { environmentSecretNames, RunSecrets } from './frontDoor';
import {
  editedLines,
  holdNewProblems,
  NEW_PROBLEM_PAUSE_MS,
  shownKey,
  validationDelay,
  type LineSpan,
} from './validationTiming';

export interface LanguageServerOptions {
  carrierSource?: CarrierSource;
  env?: NodeJS.ProcessEnv;
}

interface CachedAnalysis {
  version: number;
  epoch: number;
  analysis: Analysis;
}

/** What the validation timing knows about one open document (see validationTiming.ts). */
interface Typing {
  lastChangeAt?: number;
  /** Lines the last change touched; cleared when held problems are released after a pause. */
  edited?: LineSpan;
  /** `shownKey`s of the diagnostics last published. */
  shown: Set<string>;
  /** Milliseconds the last analysis took. */
  analysisMs?: number;
  /** Publishes what was held back once typing has paused. */
  pauseTimer?: NodeJS.Timeout;
}

/** Which carrier list applies to a document: its Cin7 endpoint and account, as written. */
interface CarrierTarget {
  key: string;
  baseUrl: string;
  accountId: string;
  apiKey: string;
}

/** The carrier list a settings document's `dear` section points at, if it names an account. */
function carrierTargetOf(data: unknown): CarrierTarget | undefined {
  const dear = (
    data && typeof data === 'object' ? (data as Record<string, unknown>).dear : undefined
  ) as Record<string, unknown> | undefined;
  if (!dear || typeof dear.accountId !== 'string' || typeof dear.apiKey !== 'string')
    return undefined;
  const baseUrl =
    typeof dear.baseUrl === 'string'
      ? dear.baseUrl
      : dear.apiVersion === 1
        ? DEFAULT_DEAR_V1_BASE_URL
        : DEFAULT_DEAR_BASE_URL;
  return {
    key: CarrierCatalog.key(baseUrl, dear.accountId),
    baseUrl,
    accountId: dear.accountId,
    apiKey: dear.apiKey,
  };
}

const CAPABILITIES: InitializeResult['capabilities'] = {
  textDocumentSync: TextDocumentSyncKind.Incremental,
  completionProvider: { triggerCharacters: [':', ' ', '[', ','], resolveProvider: false },
  hoverProvider: true,
  documentSymbolProvider: true,
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
  codeLensProvider: { resolveProvider: false },
};

/**
 * The state of one language-server connection and its handlers, one method each; `listen` is the
 * composition root that wires them to the connection.
 */
class SettingsLanguageServer {
  private readonly env: NodeJS.ProcessEnv;
  private readonly typing = new Map<string, Typing>();
  readonly documents: TextDocuments<TextDocument>;
  private readonly carriers = new CarrierCatalog();
  private readonly carrierSource: CarrierSource;
  private readonly cache = new Map<string, CachedAnalysis>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Names from the client's SecretStorage; undefined until the client says it manages secrets. */
  private clientSecretNames: Set<string> | undefined;
  private untrustedNoticeSent = false;
  /** Bumped when anything outside the text that affects diagnostics changes (secrets, carriers). */
  private epoch = 0;
  /** Shipping methods of the last preview per settings file (from its events; never fetched). */
  private readonly recentShippingMethods = new Map<string, string[]>();

  constructor(
    private readonly connection: Connection,
    options: LanguageServerOptions,
  ) {
    this.env = options.env ?? process.env;
    this.carrierSource = options.carrierSource ?? new Cin7CarrierSource();
    // The change ranges are only visible here: remember where the user is typing.
    this.documents = new TextDocuments<TextDocument>({
      create: (uri, languageId, version, content) =>
        TextDocument.create(uri, languageId, version, content),
      update: (doc, changes, version) => {
        this.typingOf(doc.uri).edited = editedLines(changes);
        return TextDocument.update(doc, changes, version);
      },
    });
  }

  /** Wires every handler to the connection and starts listening. */
  listen(): void {
    const connection = this.connection;
    connection.onInitialize((params) => this.initialize(params));
    connection.onNotification(SecretNamesNotification.type, (params) =>
      this.secretNamesChanged(params.names),
    );
    this.documents.onDidChangeContent((e) => this.contentChanged(e.document));
    this.documents.onDidClose((e) => this.closed(e.document.uri));
    connection.onCompletion((params) => this.complete(params));
    connection.onHover((params) => this.hover(params));
    connection.onDocumentSymbol((params) => this.symbols(params));
    connection.onCodeAction((params) => this.codeActions(params));
    connection.onCodeLens((params) => this.codeLenses(params));
    registerSyncHandlers(connection, this.documents, {
      knownSecretNames: () => this.knownSecretNames(),
      onPreviewShippingMethods: (uri, methods) => this.previewShippingMethods(uri, methods),
    });
    registerSettingsEditHandlers(connection);
    this.documents.listen(connection);
    connection.listen();
  }

  // ---- handlers --------------------------------------------------------------------------------

  private initialize(params: InitializeParams): InitializeResult {
    // A client may also declare its secret names up front (same meaning as dear/secretNames).
    const declared = (params.initializationOptions as { secretNames?: unknown } | undefined)
      ?.secretNames;
    if (Array.isArray(declared))
      this.clientSecretNames = new Set(
        declared.filter((name): name is string => typeof name === 'string'),
      );
    // Workspace trust from the client (`trusted: false` = Restricted Mode: no carrier fetch, no runs).
    applyInitializationOptions(params.initializationOptions);
    return {
      capabilities: CAPABILITIES,
      serverInfo: { name: 'dear-starshipit', version: VERSION },
    };
  }

  private secretNamesChanged(names: string[]): void {
    this.clientSecretNames = new Set(names);
    this.carriers.forgetFailures();
    this.revalidateAll();
  }

  private previewShippingMethods(uri: string, methods: string[]): void {
    this.recentShippingMethods.set(uri, methods);
    this.revalidateAll();
  }

  /**
   * Fires on open too. A newly opened document, or the first change after a pause, is validated
   * at once; a change within the document's current delay of the previous one waits for the burst
   * to go quiet for that delay (validationTiming.ts).
   */
  private contentChanged(document: TextDocument): void {
    const uri = document.uri;
    const state = this.typingOf(uri);
    const now = Date.now();
    const previous = state.lastChangeAt;
    state.lastChangeAt = now;
    const delay = validationDelay(state.analysisMs);
    const inBurst =
      (this.cache.has(uri) && previous !== undefined && now - previous < delay) ||
      this.timers.has(uri);
    this.schedule(document, inBurst ? delay : 0);
  }

  private closed(uri: string): void {
    const timer = this.timers.get(uri);
    if (timer) clearTimeout(timer);
    this.timers.delete(uri);
    this.cache.delete(uri);
    const state = this.typing.get(uri);
    if (state?.pauseTimer) clearTimeout(state.pauseTimer);
    this.typing.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  private complete(params: CompletionParams): CompletionItem[] {
    const doc = this.documents.get(params.textDocument.uri);
    const text = doc?.getText();
    if (!doc || text === undefined || text.length > MAX_DOCUMENT_LENGTH) return [];
    const analysis = this.analysisFor(doc);
    const target = carrierTargetOf(analysis.parsed.data);
    // Only the cursor's line (TextDocument keeps line offsets, so no re-split of the whole text per request).
    const { line: lineNumber } = params.position;
    const line = doc.getText({
      start: { line: lineNumber, character: 0 },
      end: { line: lineNumber, character: Number.MAX_SAFE_INTEGER },
    });
    // A space typed while indenting is not a request for suggestions.
    if (
      params.context?.triggerCharacter === ' ' &&
      /^\s*$/.test(line.slice(0, params.position.character))
    )
      return [];
    if (/\b(carrier|defaultCarrier)\s*:/.test(line)) this.refreshCarriers(analysis);
    return getCompletions(text, params.position, {
      carrierNames: target ? this.carriers.names(target.key) : undefined,
      knownSecretNames: this.knownSecretNames(),
    });
  }

  private hover(params: TextDocumentPositionParams) {
    const doc = this.documents.get(params.textDocument.uri);
    return doc ? getHover(this.analysisFor(doc).parsed, params.position) : null;
  }

  private symbols(params: DocumentSymbolParams) {
    const doc = this.documents.get(params.textDocument.uri);
    return doc ? getDocumentSymbols(this.analysisFor(doc).parsed) : [];
  }

  private codeActions(params: CodeActionParams) {
    const doc = this.documents.get(params.textDocument.uri);
    if (!doc) return [];
    const diagnostics = this.analysisFor(doc).diagnostics;
    return getCodeActions(doc.uri, diagnostics, params.range, params.context.diagnostics);
  }

  private codeLenses(params: CodeLensParams) {
    const uri = params.textDocument.uri;
    return this.documents.get(uri) ? getCodeLenses(uri) : [];
  }

  // ---- analysis and publishing -----------------------------------------------------------------

  private typingOf(uri: string): Typing {
    let state = this.typing.get(uri);
    if (!state) this.typing.set(uri, (state = { shown: new Set() }));
    return state;
  }

  private knownSecretNames(): ReadonlySet<string> | undefined {
    return this.clientSecretNames
      ? new Set([...this.clientSecretNames, ...environmentSecretNames(this.env)])
      : undefined;
  }

  private analysisFor(doc: TextDocument): Analysis {
    const hit = this.cache.get(doc.uri);
    if (hit && hit.version === doc.version && hit.epoch === this.epoch) return hit.analysis;
    // The carrier list (if cached) for this file's endpoint/account feeds the unknown-carrier rule.
    const started = performance.now();
    const analysis = analyze(doc.getText(), {
      knownSecretNames: this.knownSecretNames(),
      env: this.env,
      carrierNamesFor: (data) => {
        const target = carrierTargetOf(data);
        return target ? this.carriers.names(target.key) : undefined;
      },
      recentShippingMethods: this.recentShippingMethods.get(doc.uri),
    });
    this.cache.set(doc.uri, { version: doc.version, epoch: this.epoch, analysis });
    this.typingOf(doc.uri).analysisMs = performance.now() - started;
    return analysis;
  }

  /** Publishes the analysis, holding back new problems on the lines being typed (until a pause). */
  private publish(doc: TextDocument, analysis: Analysis): void {
    const state = this.typingOf(doc.uri);
    if (state.pauseTimer) clearTimeout(state.pauseTimer);
    state.pauseTimer = undefined;
    const all = analysis.diagnostics.map(toLspDiagnostic);
    const { now, held } = holdNewProblems(all, state.edited, state.shown);
    state.shown = new Set(now.map(shownKey));
    void this.connection.sendDiagnostics({
      uri: doc.uri,
      version: doc.version,
      diagnostics: now,
    });
    if (held === 0) return;
    const quietFor = Date.now() - (state.lastChangeAt ?? 0);
    state.pauseTimer = setTimeout(
      () => {
        state.pauseTimer = undefined;
        state.edited = undefined;
        this.validateOpen(doc.uri);
      },
      Math.max(0, NEW_PROBLEM_PAUSE_MS - quietFor),
    );
  }

  private validateOpen(uri: string): void {
    const current = this.documents.get(uri);
    if (current) this.validate(current);
  }

  private validate(doc: TextDocument): void {
    this.timers.delete(doc.uri);
    try {
      const analysis = this.analysisFor(doc);
      this.publish(doc, analysis);
      const mappings = (
        analysis.parsed.data as { writeback?: { courierMappings?: unknown } } | undefined
      )?.writeback?.courierMappings;
      if (Array.isArray(mappings) && mappings.length > 0) this.refreshCarriers(analysis);
    } catch (err) {
      this.connection.console.error(
        `validation of ${doc.uri} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
  }

  private schedule(doc: TextDocument, delay: number): void {
    const timer = this.timers.get(doc.uri);
    if (timer) clearTimeout(timer);
    this.timers.set(
      doc.uri,
      setTimeout(() => this.validateOpen(doc.uri), delay),
    );
  }

  private revalidateAll(): void {
    this.epoch++;
    for (const doc of this.documents.all()) this.schedule(doc, 0);
  }

  // ---- Cin7 carrier names ----------------------------------------------------------------------

  /** Resolves a credential setting for the carrier fetch; undefined when it cannot be resolved. */
  private async resolveCredential(value: string): Promise<string | undefined> {
    const ref = credentialReference(value);
    if (!ref) return value;
    const known = new RunSecrets({ env: this.env }).lookup(ref.kind, ref.name);
    if (known !== undefined || ref.kind === 'env') return known;
    if (!this.clientSecretNames?.has(ref.name)) return undefined;
    const result = await this.connection.sendRequest(ResolveSecretsRequest.type, {
      names: [ref.name],
      purpose: 'Cin7 Core carrier names for completion (ref/carrier)',
    });
    return result.values[ref.name];
  }

  /** Starts a background fetch of the document's carrier list when it is due and allowed. */
  private refreshCarriers(analysis: Analysis): void {
    const target = carrierTargetOf(analysis.parsed.data);
    if (!target || !isAllowedEndpoint(target.baseUrl) || !this.carriers.needsRefresh(target.key))
      return;
    // Untrusted workspace (the client said so): the file's endpoint may be hostile; send nothing.
    if (!networkAllowed()) {
      if (!this.untrustedNoticeSent)
        this.connection.console.info(
          'Cin7 Core carrier names are not fetched: the workspace is not trusted.',
        );
      this.untrustedNoticeSent = true;
      return;
    }
    if (!this.carriers.begin(target.key)) return;
    void this.fetchCarriers(target);
  }

  private async fetchCarriers(target: CarrierTarget): Promise<void> {
    try {
      const [accountId, apiKey] = await Promise.all([
        this.resolveCredential(target.accountId),
        this.resolveCredential(target.apiKey),
      ]);
      if (!accountId || !apiKey) {
        this.carriers.fail(target.key);
        return;
      }
      const names = await this.carrierSource.fetchCarrierNames(target.baseUrl, accountId, apiKey);
      this.carriers.succeed(target.key, names);
      this.connection.console.info(
        `Loaded ${names.length} carrier names from ${new URL(target.baseUrl).origin}`,
      );
      this.revalidateAll();
    } catch (err) {
      this.carriers.fail(target.key);
      this.connection.console.warn(
        `Could not load Cin7 Core carriers from ${safeOrigin(target.baseUrl)}: ${errorMessage(err)}`,
      );
    }
  }
}

export function startLanguageServer(
  connection: Connection,
  options: LanguageServerOptions = {},
): TextDocuments<TextDocument> {
  const server = new SettingsLanguageServer(connection, options);
  server.listen();
  return server.documents;
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}
