/**
 * `import.*` rules: the seed's "Ordering;Picked" string form (accepted, checked part by part, with a
 * fix to a list), statuses that never ship, fulfilments needing API v2, memo + order note together.
 */
import { isScalar } from 'yaml';
import { SALE_STATUSES } from '../../../../protocol/settings';
import { keyRange, nodeAt, valueRange } from '../document';
import { didYouMean } from '../text';
import {
  ERROR,
  HINT,
  INFORMATION,
  WARNING,
  type ConfigDiagnostic,
  type ConfigRange,
  type QuickFix,
} from '../types';
import { insertKeyFix, replaceFix } from '../fixes';
import { get, str, type RuleContext, type SettingsRule } from './types';

/** Splits the seed's "Ordering;Picked" form; parts are trimmed, empty parts dropped. */
export function splitStatusString(value: string): { text: string; start: number }[] {
  const parts: { text: string; start: number }[] = [];
  let offset = 0;
  for (const raw of value.split(';')) {
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (text) parts.push({ text, start: offset + lead });
    offset += raw.length + 1;
  }
  return parts;
}

const NEVER_SHIPS: Record<string, string> = {
  DRAFT: 'draft sales are not authorised yet, so lines and address may still change',
  VOIDED: 'voided sales are cancelled and must not ship',
  CREDITED: 'credited sales have been refunded',
  COMPLETED: 'completed sales are already shipped',
};

export const statusesRule: SettingsRule = {
  codes: ['statuses-string', 'unknown-status', 'unusual-status'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    const path = ['import', 'statuses'];
    const value = get(ctx.data, path);
    if (typeof value === 'string' && value.trim()) return statusStringProblems(ctx, path, value);
    if (!Array.isArray(value)) return [];
    const out: ConfigDiagnostic[] = [];
    value.forEach((status, i) => {
      if (typeof status === 'string' && NEVER_SHIPS[status])
        out.push(unusual(valueRange(ctx.parsed, [...path, i]), status));
    });
    return out;
  },
};

const KNOWN_STATUSES = SALE_STATUSES as readonly string[];

/** One statuses part of the "A;B" string, with where it sits in the file. */
interface StatusPart {
  text: string;
  range: ConfigRange;
}

/** The "A;B" form: each part checked on its own range, then the hint to write a list. */
function statusStringProblems(ctx: RuleContext, path: string[], value: string): ConfigDiagnostic[] {
  const out: ConfigDiagnostic[] = [];
  const range = valueRange(ctx.parsed, path);
  const base = stringStart(ctx, path, value);
  const parts = splitStatusString(value);
  const good: string[] = [];
  for (const { text, start } of parts) {
    const upper = text.toUpperCase();
    if (KNOWN_STATUSES.includes(upper)) {
      if (!good.includes(upper)) good.push(upper);
      continue;
    }
    const partRange =
      base !== undefined ? ctx.parsed.pos.range(base + start, base + start + text.length) : range;
    const part = { text, range: partRange };
    out.push(
      commaSeparatedProblem(part, good, range) ?? unknownStatusProblem(part, base !== undefined),
    );
  }
  out.push(statusStringHint(range, good, parts.length));
  for (const status of good) if (NEVER_SHIPS[status]) out.push(unusual(range, status));
  return out;
}

/** Where the string's characters start in the file (quotes skipped); escapes make offsets unreliable. */
function stringStart(ctx: RuleContext, path: string[], value: string): number | undefined {
  const node = nodeAt(ctx.parsed.doc, path);
  if (!isScalar(node) || !node.range) return undefined;
  const source = ctx.parsed.text.slice(node.range[0], node.range[1]);
  if (source === value) return node.range[0];
  if (source.slice(1, -1) === value) return node.range[0] + 1;
  return undefined;
}

/**
 * "Ordering, Picked": right statuses, wrong separator. The fix replaces the whole value with a list
 * of the statuses accepted so far plus these.
 */
function commaSeparatedProblem(
  part: StatusPart,
  good: readonly string[],
  listRange: ConfigRange,
): ConfigDiagnostic | undefined {
  const commaParts = part.text
    .toUpperCase()
    .split(',')
    .map((piece) => piece.trim())
    .filter(Boolean);
  if (commaParts.length <= 1 || !commaParts.every((piece) => KNOWN_STATUSES.includes(piece)))
    return undefined;
  return {
    range: part.range,
    severity: ERROR,
    code: 'unknown-status',
    message: `"${part.text}" separates statuses with commas; the string form uses ";" (or write a list).`,
    data: {
      fixes: [
        replaceFix(
          `Convert to a list: [${commaParts.join(', ')}]`,
          listRange,
          `[${[...new Set([...good, ...commaParts])].join(', ')}]`,
          true,
        ),
      ],
    },
  };
}

/** A part that is no status; fixes only when the part's own range in the file is known. */
function unknownStatusProblem(part: StatusPart, exactRange: boolean): ConfigDiagnostic {
  const suggestions = didYouMean(part.text.toUpperCase(), KNOWN_STATUSES);
  return {
    range: part.range,
    severity: ERROR,
    code: 'unknown-status',
    message: `"${part.text}" is not a Cin7 Core sale status.${suggestions.length ? ` Did you mean ${suggestions[0]}?` : ''} Known: ${KNOWN_STATUSES.join(', ')}.`,
    ...(suggestions.length && exactRange
      ? {
          data: {
            fixes: suggestions.map((status, i) =>
              replaceFix(`Change to ${status}`, part.range, status, i === 0),
            ),
          },
        }
      : {}),
  };
}

/** The hint that a list is clearer, with the fix when every part is a known status. */
function statusStringHint(
  range: ConfigRange,
  good: readonly string[],
  partCount: number,
): ConfigDiagnostic {
  const fixes: QuickFix[] =
    good.length === partCount && good.length > 0
      ? [replaceFix(`Convert to a list: [${good.join(', ')}]`, range, `[${good.join(', ')}]`, true)]
      : [];
  return {
    range,
    severity: HINT,
    code: 'statuses-string',
    message: `Statuses written as one "A;B" string (the Starshipit form, case-insensitive). A list is clearer${good.length ? `: [${good.join(', ')}]` : ''}.`,
    ...(fixes.length ? { data: { fixes } } : {}),
  };
}

function unusual(range: ConfigDiagnostic['range'], status: string): ConfigDiagnostic {
  return {
    range,
    severity: WARNING,
    code: 'unusual-status',
    message: `Importing ${status} sales is unusual: ${NEVER_SHIPS[status]}.`,
  };
}

export const fulfilmentsNeedV2Rule: SettingsRule = {
  codes: ['fulfilments-need-v2'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    if (
      str(ctx.data, ['import', 'source']) !== 'fulfilments' ||
      get(ctx.data, ['dear', 'apiVersion']) !== 1
    )
      return [];
    const range = valueRange(ctx.parsed, ['import', 'source']);
    const fixes: QuickFix[] = [
      replaceFix(
        'Set dear.apiVersion to 2',
        valueRange(ctx.parsed, ['dear', 'apiVersion']),
        '2',
        true,
      ),
      replaceFix('Import whole sales instead (source: sales)', range, 'sales'),
    ];
    return [
      {
        range,
        severity: ERROR,
        code: 'fulfilments-need-v2',
        message:
          'Importing fulfilments ("import.source: fulfilments") needs Cin7 Core API version 2, but "dear.apiVersion" is 1.',
        data: { fixes },
      },
    ];
  },
};

/** How the engine joins memo and note (server/src/engine/mapping.ts collapses whitespace to one space). */
export const MEMO_NOTE_SEPARATOR = ' ';
export const DELIVERY_INSTRUCTIONS_MAX = 100;

export const memoAndNoteRule: SettingsRule = {
  codes: ['memo-and-order-note'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    const memo = str(ctx.data, ['import', 'memo']);
    if (!memo || memo === 'none' || get(ctx.data, ['import', 'orderNote']) !== true) return [];
    return [
      {
        range: keyRange(ctx.parsed, ['import', 'orderNote']),
        severity: INFORMATION,
        code: 'memo-and-order-note',
        message: `Delivery instructions will hold the ${memo} memo first, then the sale note, separated by a space. Starshipit keeps ${DELIVERY_INSTRUCTIONS_MAX} characters: longer text is cut and the run reports a warning.`,
      },
    ];
  },
};

export { insertKeyFix };
