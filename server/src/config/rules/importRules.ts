/**
 * `import.*` rules: the seed's "Ordering;Picked" string form (accepted, checked part by part, with a
 * fix to a list), statuses that never ship, fulfilments needing API v2, memo + order note together.
 */
import { isScalar } from 'yaml';
import { SALE_STATUSES } from '../../../../protocol/settings';
import { keyRange, nodeAt, valueRange } from '../document';
import { didYouMean } from '../text';
import { ERROR, HINT, INFORMATION, WARNING, type ConfigDiagnostic, type QuickFix } from '../types';
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
    const out: ConfigDiagnostic[] = [];
    const path = ['import', 'statuses'];
    const value = get(ctx.data, path);
    const known = SALE_STATUSES as readonly string[];
    if (typeof value === 'string' && value.trim()) {
      const node = nodeAt(ctx.parsed.doc, path);
      const range = valueRange(ctx.parsed, path);
      // Where the string's characters start in the file (quotes skipped); escapes make offsets unreliable.
      let base: number | undefined;
      if (isScalar(node) && node.range) {
        const src = ctx.parsed.text.slice(node.range[0], node.range[1]);
        if (src === value) base = node.range[0];
        else if (src.slice(1, -1) === value) base = node.range[0] + 1;
      }
      const parts = splitStatusString(value);
      const good: string[] = [];
      for (const part of parts) {
        const upper = part.text.toUpperCase();
        const partRange =
          base !== undefined
            ? ctx.parsed.pos.range(base + part.start, base + part.start + part.text.length)
            : range;
        if (known.includes(upper)) {
          if (!good.includes(upper)) good.push(upper);
          continue;
        }
        const commaParts = upper
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        if (commaParts.length > 1 && commaParts.every((x) => known.includes(x))) {
          // "Ordering, Picked": right statuses, wrong separator.
          out.push({
            range: partRange,
            severity: ERROR,
            code: 'unknown-status',
            message: `"${part.text}" separates statuses with commas; the string form uses ";" (or write a list).`,
            data: {
              fixes: [
                replaceFix(
                  `Convert to a list: [${commaParts.join(', ')}]`,
                  range,
                  `[${[...new Set([...good, ...commaParts])].join(', ')}]`,
                  true,
                ),
              ],
            },
          });
          continue;
        }
        const suggestions = didYouMean(upper, known);
        out.push({
          range: partRange,
          severity: ERROR,
          code: 'unknown-status',
          message: `"${part.text}" is not a Cin7 Core sale status.${suggestions.length ? ` Did you mean ${suggestions[0]}?` : ''} Known: ${known.join(', ')}.`,
          ...(suggestions.length && base !== undefined
            ? {
                data: {
                  fixes: suggestions.map((s, i) =>
                    replaceFix(`Change to ${s}`, partRange, s, i === 0),
                  ),
                },
              }
            : {}),
        });
      }
      const fixes: QuickFix[] =
        good.length === parts.length && good.length > 0
          ? [
              replaceFix(
                `Convert to a list: [${good.join(', ')}]`,
                range,
                `[${good.join(', ')}]`,
                true,
              ),
            ]
          : [];
      out.push({
        range,
        severity: HINT,
        code: 'statuses-string',
        message: `Statuses written as one "A;B" string (the Starshipit form, case-insensitive). A list is clearer${good.length ? `: [${good.join(', ')}]` : ''}.`,
        ...(fixes.length ? { data: { fixes } } : {}),
      });
      for (const s of good) if (NEVER_SHIPS[s]) out.push(unusual(range, s));
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        if (typeof v === 'string' && NEVER_SHIPS[v])
          out.push(unusual(valueRange(ctx.parsed, [...path, i]), v));
      });
    }
    return out;
  },
};

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
