/**
 * YAML 1.1 surprises in text settings: an unquoted `yes`/`off`/`on`/`no` is text in YAML 1.2 (what
 * we read) but a boolean to YAML 1.1 tools. (Unquoted numbers such as `1.0` or `0123` where text is
 * expected are schema type errors with the same quote fix, see schemaValidation.ts.)
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';
import { keyString, nodeRange } from '../document';
import { expectsString } from '../schema';
import { WARNING, type ConfigDiagnostic, type SettingsPath } from '../types';
import { quoteFix } from '../fixes';
import type { RuleContext, SettingsRule } from './types';

const YAML11_BOOLEAN = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

export const yaml11Rule: SettingsRule = {
  codes: ['yaml11-boolean'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    const out: ConfigDiagnostic[] = [];
    const walk = (node: unknown, path: SettingsPath, depth: number) => {
      if (depth > 8 || out.length > 100) return;
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = keyString(pair.key);
          if (key !== undefined) walk(pair.value, [...path, key], depth + 1);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => walk(item, [...path, i], depth + 1));
      } else if (
        isScalar(node) &&
        node.type === 'PLAIN' &&
        typeof node.value === 'string' &&
        YAML11_BOOLEAN.test(node.value)
      ) {
        if (!expectsString(path)) return;
        const range = nodeRange(ctx.parsed.pos, node as Node);
        out.push({
          range,
          severity: WARNING,
          code: 'yaml11-boolean',
          message: `Unquoted ${node.value} is read as the text "${node.value}" here, but YAML 1.1 tools read it as a boolean. Quote it.`,
          data: { fixes: [quoteFix(range, node.value)] },
        });
      }
    };
    walk(ctx.parsed.doc?.contents, [], 0);
    return out;
  },
};
