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
  type Connection,
  type InitializeResult,
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

export function startLanguageServer(
  connection: Connection,
  options: LanguageServerOptions = {},
): TextDocuments<TextDocument> {
  const env = options.env ?? process.env;
  const typing = new Map<string, Typing>();
  const typingOf = (uri: string): Typing => {
    let t = typing.get(uri);
    if (!t) typing.set(uri, (t = { shown: new Set() }));
    return t;
  };
  // The change ranges are only visible here: remember where the user is typing.
  const documents = new TextDocuments<TextDocument>({
    create: (uri, languageId, version, content) =>
      TextDocument.create(uri, languageId, version, content),
    update: (doc, changes, version) => {
      typingOf(doc.uri).edited = editedLines(changes);
      return TextDocument.update(doc, changes, version);
    },
  });
  const carriers = new CarrierCatalog();
  const carrierSource = options.carrierSource ?? new Cin7CarrierSource();
  const cache = new Map<string, CachedAnalysis>();
  const timers = new Map<string, NodeJS.Timeout>();
  /** Names from the client's SecretStorage; undefined until the client says it manages secrets. */
  let clientSecretNames: Set<string> | undefined;
  let untrustedNoticeSent = false;
  /** Bumped when anything outside the text that affects diagnostics changes (secrets, carriers). */
  let epoch = 0;
  /** Shipping methods of the last preview per settings file (from its events; never fetched). */
  const recentShippingMethods = new Map<string, string[]>();

  const knownSecretNames = (): ReadonlySet<string> | undefined =>
    clientSecretNames ? new Set([...clientSecretNames, ...environmentSecretNames(env)]) : undefined;

  /** Which carrier list applies to this document (by its Cin7 endpoint and account). */
  const carrierKey = (
    data: unknown,
  ): { key: string; baseUrl: string; accountId: string; apiKey: string } | undefined => {
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
  };

  const analysisFor = (doc: TextDocument): Analysis => {
    const hit = cache.get(doc.uri);
    if (hit && hit.version === doc.version && hit.epoch === epoch) return hit.analysis;
    // The carrier list (if cached) for this file's endpoint/account feeds the unknown-carrier rule.
    const started = performance.now();
    const analysis = analyze(doc.getText(), {
      knownSecretNames: knownSecretNames(),
      env,
      carrierNamesFor: (data) => {
        const ck = carrierKey(data);
        return ck ? carriers.names(ck.key) : undefined;
      },
      recentShippingMethods: recentShippingMethods.get(doc.uri),
    });
    cache.set(doc.uri, { version: doc.version, epoch, analysis });
    typingOf(doc.uri).analysisMs = performance.now() - started;
    return analysis;
  };

  /** Publishes the analysis, holding back new problems on the lines being typed (until a pause). */
  const publish = (doc: TextDocument, analysis: Analysis) => {
    const state = typingOf(doc.uri);
    if (state.pauseTimer) clearTimeout(state.pauseTimer);
    state.pauseTimer = undefined;
    const all = analysis.diagnostics.map(toLspDiagnostic);
    const { now, held } = holdNewProblems(all, state.edited, state.shown);
    state.shown = new Set(now.map(shownKey));
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: now });
    if (held === 0) return;
    const quietFor = Date.now() - (state.lastChangeAt ?? 0);
    state.pauseTimer = setTimeout(
      () => {
        state.pauseTimer = undefined;
        state.edited = undefined;
        const current = documents.get(doc.uri);
        if (current) validate(current);
      },
      Math.max(0, NEW_PROBLEM_PAUSE_MS - quietFor),
    );
  };

  const validate = (doc: TextDocument) => {
    timers.delete(doc.uri);
    try {
      const analysis = analysisFor(doc);
      publish(doc, analysis);
      const mappings = (
        analysis.parsed.data as { writeback?: { courierMappings?: unknown } } | undefined
      )?.writeback?.courierMappings;
      if (Array.isArray(mappings) && mappings.length > 0) refreshCarriers(analysis);
    } catch (err) {
      connection.console.error(
        `validation of ${doc.uri} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
  };

  const schedule = (doc: TextDocument, delay: number) => {
    const t = timers.get(doc.uri);
    if (t) clearTimeout(t);
    timers.set(
      doc.uri,
      setTimeout(() => {
        const current = documents.get(doc.uri);
        if (current) validate(current);
      }, delay),
    );
  };

  const revalidateAll = () => {
    epoch++;
    for (const d of documents.all()) schedule(d, 0);
  };

  /** Resolves a credential setting for the carrier fetch; undefined when it cannot be resolved. */
  const resolveCredential = async (value: string): Promise<string | undefined> => {
    const ref = credentialReference(value);
    if (!ref) return value;
    const known = new RunSecrets({ env }).lookup(ref.kind, ref.name);
    if (known !== undefined || ref.kind === 'env') return known;
    if (!clientSecretNames?.has(ref.name)) return undefined;
    const result = await connection.sendRequest(ResolveSecretsRequest.type, {
      names: [ref.name],
      purpose: 'Cin7 Core carrier names for completion (ref/carrier)',
    });
    return result.values[ref.name];
  };

  const refreshCarriers = (analysis: Analysis) => {
    const ck = carrierKey(analysis.parsed.data);
    if (!ck || !isAllowedEndpoint(ck.baseUrl) || !carriers.needsRefresh(ck.key)) return;
    // Untrusted workspace (the client said so): the file's endpoint may be hostile; send nothing.
    if (!networkAllowed()) {
      if (!untrustedNoticeSent)
        connection.console.info(
          'Cin7 Core carrier names are not fetched: the workspace is not trusted.',
        );
      untrustedNoticeSent = true;
      return;
    }
    if (!carriers.begin(ck.key)) return;
    void (async () => {
      try {
        const [accountId, apiKey] = await Promise.all([
          resolveCredential(ck.accountId),
          resolveCredential(ck.apiKey),
        ]);
        if (!accountId || !apiKey) {
          carriers.fail(ck.key);
          return;
        }
        const names = await carrierSource.fetchCarrierNames(ck.baseUrl, accountId, apiKey);
        carriers.succeed(ck.key, names);
        connection.console.info(
          `Loaded ${names.length} carrier names from ${new URL(ck.baseUrl).origin}`,
        );
        revalidateAll();
      } catch (err) {
        carriers.fail(ck.key);
        connection.console.warn(
          `Could not load Cin7 Core carriers from ${safeOrigin(ck.baseUrl)}: ${errorMessage(err)}`,
        );
      }
    })();
  };

  connection.onInitialize((params): InitializeResult => {
    // A client may also declare its secret names up front (same meaning as dear/secretNames).
    const declared = (params.initializationOptions as { secretNames?: unknown } | undefined)
      ?.secretNames;
    if (Array.isArray(declared))
      clientSecretNames = new Set(declared.filter((n): n is string => typeof n === 'string'));
    // Workspace trust from the client (`trusted: false` = Restricted Mode: no carrier fetch, no runs).
    applyInitializationOptions(params.initializationOptions);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: [':', ' ', '[', ','], resolveProvider: false },
        hoverProvider: true,
        documentSymbolProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'dear-starshipit', version: VERSION },
    };
  });

  connection.onNotification(SecretNamesNotification.type, (params) => {
    clientSecretNames = new Set(params.names);
    carriers.forgetFailures();
    revalidateAll();
  });

  // Fires on open too. A newly opened document, or the first change after a pause, is validated at
  // once; a change within the document's current delay of the previous one waits for the burst to
  // go quiet for that delay (validationTiming.ts).
  documents.onDidChangeContent((e) => {
    const uri = e.document.uri;
    const state = typingOf(uri);
    const now = Date.now();
    const previous = state.lastChangeAt;
    state.lastChangeAt = now;
    const delay = validationDelay(state.analysisMs);
    const inBurst =
      (cache.has(uri) && previous !== undefined && now - previous < delay) || timers.has(uri);
    schedule(e.document, inBurst ? delay : 0);
  });
  documents.onDidClose((e) => {
    const t = timers.get(e.document.uri);
    if (t) clearTimeout(t);
    timers.delete(e.document.uri);
    cache.delete(e.document.uri);
    const state = typing.get(e.document.uri);
    if (state?.pauseTimer) clearTimeout(state.pauseTimer);
    typing.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onCompletion((params) => {
    const doc = documents.get(params.textDocument.uri);
    const text = doc?.getText();
    if (!doc || text === undefined || text.length > MAX_DOCUMENT_LENGTH) return [];
    const analysis = analysisFor(doc);
    const ck = carrierKey(analysis.parsed.data);
    // Only the cursor's line (TextDocument keeps line offsets, so no re-split of the whole text per request).
    const { line: lineNo } = params.position;
    const line = doc.getText({
      start: { line: lineNo, character: 0 },
      end: { line: lineNo, character: Number.MAX_SAFE_INTEGER },
    });
    // A space typed while indenting is not a request for suggestions.
    if (
      params.context?.triggerCharacter === ' ' &&
      /^\s*$/.test(line.slice(0, params.position.character))
    )
      return [];
    if (/\b(carrier|defaultCarrier)\s*:/.test(line)) refreshCarriers(analysis);
    return getCompletions(text, params.position, {
      carrierNames: ck ? carriers.names(ck.key) : undefined,
      knownSecretNames: knownSecretNames(),
    });
  });

  connection.onHover((params) => {
    const doc = documents.get(params.textDocument.uri);
    return doc ? getHover(analysisFor(doc).parsed, params.position) : null;
  });

  connection.onDocumentSymbol((params) => {
    const doc = documents.get(params.textDocument.uri);
    return doc ? getDocumentSymbols(analysisFor(doc).parsed) : [];
  });

  connection.onCodeAction((params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    return getCodeActions(
      doc.uri,
      analysisFor(doc).diagnostics,
      params.range,
      params.context.diagnostics,
    );
  });

  connection.onCodeLens((params) =>
    documents.get(params.textDocument.uri) ? getCodeLenses(params.textDocument.uri) : [],
  );

  registerSyncHandlers(connection, documents, {
    knownSecretNames,
    onPreviewShippingMethods: (uri, methods) => {
      recentShippingMethods.set(uri, methods);
      revalidateAll();
    },
  });
  documents.listen(connection);
  connection.listen();
  return documents;
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}
