/** Rate limits faster than the real services allow (checked only for non-loopback endpoints). */
import {
  DEFAULT_DEAR_BASE_URL,
  DEFAULT_STARSHIPIT_BASE_URL,
  PLAN_RATES,
  type StarshipitPlan,
} from '../../../../protocol/settings';
import { valueRange } from '../document';
import { WARNING, type ConfigDiagnostic } from '../types';
import { get, str, type RuleContext, type SettingsRule } from './types';
import { isLoopbackUrl } from '../../engine/endpoint';

function rate(value: unknown): number | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { calls, perSeconds } = value as { calls?: unknown; perSeconds?: unknown };
  return typeof calls === 'number' && typeof perSeconds === 'number' && perSeconds > 0
    ? calls / perSeconds
    : undefined;
}

export const rateLimitRule: SettingsRule = {
  codes: ['rate-limit-too-high'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    const out: ConfigDiagnostic[] = [];
    const dearUrl = str(ctx.data, ['dear', 'baseUrl']) ?? DEFAULT_DEAR_BASE_URL;
    const dearRate = rate(get(ctx.data, ['dear', 'rateLimit']));
    if (dearRate !== undefined && dearRate > 1 && !isLoopbackUrl(dearUrl)) {
      out.push({
        range: valueRange(ctx.parsed, ['dear', 'rateLimit']),
        severity: WARNING,
        code: 'rate-limit-too-high',
        message: `"dear.rateLimit" allows ${dearRate.toFixed(2)} calls/s; Cin7 Core allows 60 calls per 60 seconds per API application, so calls will be rejected with 429.`,
      });
    }
    const ssUrl = str(ctx.data, ['starshipit', 'baseUrl']) ?? DEFAULT_STARSHIPIT_BASE_URL;
    const plan = (str(ctx.data, ['starshipit', 'plan']) ?? 'developer') as StarshipitPlan;
    const planRate = PLAN_RATES[plan]
      ? PLAN_RATES[plan].calls / PLAN_RATES[plan].perSeconds
      : undefined;
    const ssRate = rate(get(ctx.data, ['starshipit', 'rateLimit']));
    if (
      ssRate !== undefined &&
      planRate !== undefined &&
      ssRate > planRate &&
      !isLoopbackUrl(ssUrl)
    ) {
      out.push({
        range: valueRange(ctx.parsed, ['starshipit', 'rateLimit']),
        severity: WARNING,
        code: 'rate-limit-too-high',
        message: `"starshipit.rateLimit" allows ${ssRate.toFixed(2)} requests/s, above the ${plan} plan's ${planRate}/s; expect 429 responses.`,
      });
    }
    return out;
  },
};
