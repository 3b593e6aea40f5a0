/**
 * `writeback.courierMappings`: duplicate couriers, unknown Starshipit courier codes, mappings that
 * only repeat the default carrier, and carrier names missing from Cin7 Core's `ref/carrier` list.
 */
import { DEFAULT_CARRIER } from '../../../../protocol/settings';
import { valueRange, nodeAt, type ParsedSettings } from '../document';
import { KNOWN_COURIERS } from '../schema';
import { didYouMean } from '../text';
import {
  ERROR,
  INFORMATION,
  WARNING,
  type ConfigDiagnostic,
  type QuickFix,
  type SettingsPath,
} from '../types';
import { asYamlScalar, replaceFix } from '../fixes';
import { get, type RuleContext, type SettingsRule } from './types';

interface Entry {
  index: number;
  courier?: string;
  carrier?: string;
}

function entries(data: unknown): Entry[] {
  const list = get(data, ['writeback', 'courierMappings']);
  if (!Array.isArray(list)) return [];
  return list.map((mapping, index) => {
    const fields =
      mapping && typeof mapping === 'object' ? (mapping as Record<string, unknown>) : {};
    return {
      index,
      courier: typeof fields.courier === 'string' ? fields.courier : undefined,
      carrier: typeof fields.carrier === 'string' ? fields.carrier : undefined,
    };
  });
}

/** Deletes the whole `- courier: …` entry (block sequences only: whole lines). */
function removeEntryFix(parsed: ParsedSettings, index: number): QuickFix | undefined {
  const node = nodeAt(parsed.doc, ['writeback', 'courierMappings', index]);
  const seq = nodeAt(parsed.doc, ['writeback', 'courierMappings']);
  if (!node?.range || !seq || (seq as { flow?: boolean }).flow) return undefined;
  const first = parsed.pos.positionAt(node.range[0]).line;
  let last = parsed.pos.positionAt(Math.max(node.range[0], node.range[1] - 1)).line;
  last = Math.max(first, last);
  const start = parsed.pos.lineStart(first);
  const end = last + 1 < parsed.pos.lineCount ? parsed.pos.lineStart(last + 1) : parsed.text.length;
  return {
    title: `Remove mapping #${index + 1}`,
    edits: [{ range: parsed.pos.range(start, end), newText: '' }],
  };
}

export const courierMappingsRule: SettingsRule = {
  codes: ['duplicate-courier-mapping', 'unknown-courier', 'mapping-to-default-carrier'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    const out: ConfigDiagnostic[] = [];
    const base: SettingsPath = ['writeback', 'courierMappings'];
    const defaultCarrier =
      (get(ctx.data, ['writeback', 'defaultCarrier']) as string | undefined) ?? DEFAULT_CARRIER;
    const firstByCourier = new Map<string, Entry>();
    const codes = KNOWN_COURIERS.map(([c]) => c);
    let defaultMappings = 0;
    for (const entry of entries(ctx.data)) {
      if (entry.courier) {
        const courierRange = valueRange(ctx.parsed, [...base, entry.index, 'courier']);
        const key = entry.courier.toLowerCase();
        const earlier = firstByCourier.get(key);
        if (earlier) {
          const same = earlier.carrier === entry.carrier;
          const fix = removeEntryFix(ctx.parsed, entry.index);
          out.push({
            range: courierRange,
            severity: same ? WARNING : ERROR,
            code: 'duplicate-courier-mapping',
            message: same
              ? `Courier "${entry.courier}" is already mapped (mapping #${earlier.index + 1}); this entry repeats it.`
              : `Courier "${entry.courier}" is mapped twice, to "${earlier.carrier ?? ''}" (mapping #${earlier.index + 1}) and "${entry.carrier ?? ''}"; only one can apply.`,
            ...(fix ? { data: { fixes: [fix] } } : {}),
          });
        } else firstByCourier.set(key, entry);
        if (!codes.includes(entry.courier)) {
          const suggestions = didYouMean(entry.courier, codes);
          out.push({
            range: courierRange,
            severity: WARNING,
            code: 'unknown-courier',
            message: `"${entry.courier}" is not a known Starshipit courier code.${suggestions.length ? ` Did you mean ${suggestions[0]}?` : ''} Mappings match the carrier code Starshipit reports (e.g. AusPost, StarTrack).`,
            ...(suggestions.length
              ? {
                  data: {
                    fixes: suggestions.map((s, i) =>
                      replaceFix(`Change to ${s}`, courierRange, s, i === 0),
                    ),
                  },
                }
              : {}),
          });
        }
      }
      if (entry.carrier !== undefined && entry.carrier === defaultCarrier) {
        defaultMappings++;
        const fix = removeEntryFix(ctx.parsed, entry.index);
        out.push({
          range: valueRange(ctx.parsed, [...base, entry.index, 'carrier']),
          severity: INFORMATION,
          code: 'mapping-to-default-carrier',
          message: `Mapping ${entry.courier ?? 'this courier'} to the default carrier "${defaultCarrier}" changes nothing: unmapped couriers already get it${defaultMappings > 1 ? ` (${defaultMappings} mappings do this)` : ''}.`,
          ...(fix ? { data: { fixes: [fix] } } : {}),
        });
      }
    }
    return out;
  },
};

/** Needs the Cin7 Core carrier list (from the server's cached `ref/carrier` fetch). */
export const unknownCarrierRule: SettingsRule = {
  codes: ['unknown-carrier'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    const names = ctx.options.carrierNames;
    if (!names) return [];
    const out: ConfigDiagnostic[] = [];
    const check = (path: SettingsPath, name: string | undefined) => {
      if (name === undefined || name === '' || names.includes(name)) return;
      const range = valueRange(ctx.parsed, path);
      const suggestions = didYouMean(name, names);
      const caseOnly = suggestions[0]?.toLowerCase() === name.toLowerCase();
      out.push({
        range,
        severity: WARNING,
        code: 'unknown-carrier',
        message: caseOnly
          ? `Cin7 Core names this carrier "${suggestions[0]}" (different case).`
          : `Cin7 Core has no carrier named "${name}".${suggestions.length ? ` Did you mean "${suggestions[0]}"?` : ''} Add it under Settings → Reference Books → Carriers, or pick an existing one.`,
        ...(suggestions.length
          ? {
              data: {
                fixes: suggestions.map((s, i) =>
                  replaceFix(`Change to "${s}"`, range, asYamlScalar(s), i === 0),
                ),
              },
            }
          : {}),
      });
    };
    for (const entry of entries(ctx.data))
      check(['writeback', 'courierMappings', entry.index, 'carrier'], entry.carrier);
    const dc = get(ctx.data, ['writeback', 'defaultCarrier']);
    if (typeof dc === 'string') check(['writeback', 'defaultCarrier'], dc);
    return out;
  },
};
