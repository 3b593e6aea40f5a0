/** The validation pipeline: parse → schema → semantic rules → settings with defaults. */
import type { DearSettings } from '../../../protocol/settings';
import { applyDefaults } from './defaults';
import { parseSettings, type ParsedSettings } from './document';
import { SEMANTIC_RULES } from './rules';
import { validateAgainstSchema } from './schemaValidation';
import { ERROR, type ConfigDiagnostic } from './types';
import { errorMessage } from '../../../protocol/errorMessage';

/** Editors slow down with thousands of squiggles; past this, one summary diagnostic says how many. */
const MAX_DIAGNOSTICS = 1000;

export interface AnalyzeOptions {
  /** Names the editor's SecretStorage holds. When absent (CLI, other LSP clients) `${secret:NAME}` is not checked. */
  knownSecretNames?: ReadonlySet<string>;
  /** Cin7 Core carrier names (`ref/carrier`), when known; enables the unknown-carrier warning. */
  carrierNames?: readonly string[];
  fileName?: string;
  /** Environment used to check `${env:NAME}`; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Looks up carrier names once the document is parsed (the list depends on the file's own
   * endpoint and account); used instead of `carrierNames` when given.
   */
  carrierNamesFor?: (data: unknown) => readonly string[] | undefined;
  /** Shipping methods the last preview run saw (never fetched while typing). */
  recentShippingMethods?: readonly string[];
}

export interface Analysis {
  settings: DearSettings | undefined;
  diagnostics: ConfigDiagnostic[];
  parsed: ParsedSettings;
}

export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  const parsed = parseSettings(text);
  const diagnostics = [...parsed.diagnostics];
  // Schema and rules run on whatever the parser recovered; with a fatal parse (too large, alias
  // bomb) there is nothing safe to look at.
  if (parsed.doc && parsed.data !== undefined) {
    diagnostics.push(...validateAgainstSchema(parsed));
    const ctx = {
      parsed,
      data: parsed.data,
      options: {
        knownSecretNames: options.knownSecretNames,
        carrierNames: options.carrierNamesFor
          ? options.carrierNamesFor(parsed.data)
          : options.carrierNames,
        env: options.env ?? process.env,
        recentShippingMethods: options.recentShippingMethods,
      },
    };
    for (const rule of SEMANTIC_RULES) {
      try {
        diagnostics.push(...rule.check(ctx));
      } catch (err) {
        // A rule bug must not take the editor down; report it where the user can see it.
        diagnostics.push({
          range: parsed.pos.range(0, 0),
          severity: 2,
          code: 'internal-error',
          message: `Rule ${rule.codes[0]} failed: ${errorMessage(err)}`,
        });
      }
    }
  }
  let kept = applySuppressions(parsed, diagnostics);
  kept.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      a.severity - b.severity,
  );
  const ok = !kept.some((d) => d.severity === ERROR);
  if (kept.length > MAX_DIAGNOSTICS) {
    kept = kept.slice(0, MAX_DIAGNOSTICS);
    kept.push({
      range: parsed.pos.range(0, parsed.pos.lineEnd(0)),
      severity: 2,
      code: 'too-many-problems',
      message: `More than ${MAX_DIAGNOSTICS} problems; only the first ${MAX_DIAGNOSTICS} are shown.`,
    });
  }
  return { settings: ok ? applyDefaults(parsed.data) : undefined, diagnostics: kept, parsed };
}

const DISABLE_COMMENT = 'dear-starshipit-disable-next-line';

/**
 * `# dear-starshipit-disable-next-line [code, …]` hides warnings, information and hints on the next
 * line (all of them, or only the listed codes). Errors are never hidden: they keep a file from running.
 */
function applySuppressions(
  parsed: ParsedSettings,
  diagnostics: ConfigDiagnostic[],
): ConfigDiagnostic[] {
  if (!parsed.text.includes(DISABLE_COMMENT)) return diagnostics;
  const rules = new Map<number, Set<string> | 'all'>();
  const re = new RegExp(`^\\s*#\\s*${DISABLE_COMMENT}\\b(.*)$`);
  for (let line = 0; line < parsed.pos.lineCount - 1; line++) {
    const match = re.exec(parsed.pos.lineText(line));
    if (!match) continue;
    const codes = match[1].split(/[\s,]+/).filter(Boolean);
    rules.set(line + 1, codes.length ? new Set(codes) : 'all');
  }
  return diagnostics.filter((diagnostic) => {
    if (diagnostic.severity === ERROR) return true;
    const rule = rules.get(diagnostic.range.start.line);
    return !(rule === 'all' || rule?.has(diagnostic.code));
  });
}
