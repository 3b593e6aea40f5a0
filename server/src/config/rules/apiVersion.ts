/** `dear.apiVersion: 1` is refused with the same words the engine's run refusal uses. */
import { API_V1_UNSUPPORTED } from '../../../../protocol/settings';
import { valueRange } from '../document';
import { replaceFix } from '../fixes';
import { ERROR, type ConfigDiagnostic } from '../types';
import { get, type RuleContext, type SettingsRule } from './types';

export const apiVersionRule: SettingsRule = {
  codes: ['api-v1-unsupported'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    if (get(ctx.data, ['dear', 'apiVersion']) !== 1) return [];
    const range = valueRange(ctx.parsed, ['dear', 'apiVersion']);
    return [
      {
        range,
        severity: ERROR,
        code: 'api-v1-unsupported',
        message: API_V1_UNSUPPORTED,
        data: { fixes: [replaceFix('Set dear.apiVersion to 2', range, '2', true)] },
      },
    ];
  },
};
