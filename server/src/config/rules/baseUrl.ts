/** Endpoints: https only (loopback excepted), Cin7 Core root ends in `/`, and matches the API version. */
import { valueRange } from '../document';
import { ERROR, WARNING, type ConfigDiagnostic } from '../types';
import { replaceFix } from '../fixes';
import { get, str, type RuleContext, type SettingsRule } from './types';
import { isAllowedEndpoint, isLoopbackUrl } from '../../engine/endpoint';

export const baseUrlRule: SettingsRule = {
  codes: ['insecure-base-url', 'base-url-trailing-slash', 'base-url-version-mismatch'],
  check(ctx: RuleContext): ConfigDiagnostic[] {
    const out: ConfigDiagnostic[] = [];
    for (const section of ['dear', 'starshipit'] as const) {
      const url = str(ctx.data, [section, 'baseUrl']);
      if (!url || !/^https?:\/\/\S+$/.test(url)) continue;
      const range = valueRange(ctx.parsed, [section, 'baseUrl']);
      if (url.startsWith('http://') && !isAllowedEndpoint(url)) {
        out.push({
          range,
          severity: ERROR,
          code: 'insecure-base-url',
          message: `"${section}.baseUrl" uses http://, which would send your credentials unencrypted. Use https:// (plain http is allowed only for this machine: localhost/127.0.0.1).`,
          data: {
            fixes: [replaceFix('Use https://', range, url.replace(/^http:/, 'https:'), true)],
          },
        });
      }
      if (section === 'dear') {
        if (!url.endsWith('/')) {
          out.push({
            range,
            severity: WARNING,
            code: 'base-url-trailing-slash',
            message: `"dear.baseUrl" should end with "/": endpoint names such as saleList are appended to it.`,
            data: { fixes: [replaceFix('Add a trailing "/"', range, `${url}/`, true)] },
          });
        }
        const version = get(ctx.data, ['dear', 'apiVersion']) ?? 2;
        const saysV2 = /\/v2\/?$/i.test(url);
        if (
          !isLoopbackUrl(url) &&
          ((version === 1 && saysV2) || (version === 2 && /\/externalapi\/?$/i.test(url)))
        ) {
          const fixed = saysV2
            ? url.replace(/v2\/?$/i, '')
            : `${url.endsWith('/') ? url : `${url}/`}v2/`;
          out.push({
            range,
            severity: WARNING,
            code: 'base-url-version-mismatch',
            message: `"dear.baseUrl" looks like an API version ${saysV2 ? 2 : 1} endpoint, but "dear.apiVersion" is ${String(version)}.`,
            data: {
              fixes: [replaceFix(`Use the version ${String(version)} URL`, range, fixed, true)],
            },
          });
        }
      }
    }
    return out;
  },
};
