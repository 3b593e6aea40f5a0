/**
 * Engine settings for a time-scaled sandbox, produced the way users produce them: a YAML file run
 * through the config core (schema + semantic rules + defaults). The YAML is the tests' sandbox
 * settings (test/support/sandbox.ts): endpoints and rate limits matched to the sandbox, page size
 * and timeouts at the product's defaults; the bench adds its statuses, writeback and customs.
 */
import type { DearSettings } from '../../protocol/settings';
import type { SandboxCredentials } from '../../sandbox/src/api';
import { analyzeSettings, formatDiagnosticText } from '../../server/src/config/index';
import type { SecretLookup } from '../../server/src/engine/index';
import { sandboxSecrets, sandboxSettingsYaml } from '../support/sandbox';

export interface BenchSettingsOptions {
  statuses: string[];
  timeScale: number;
  courierMappings?: { courier: string; carrier: string }[];
  /** `import.customs` on, shipping from Australia (product cache; scenario 1c). */
  customs?: boolean;
}

/** The tests' sandbox settings (test/support/sandbox.ts) with the bench's statuses and writeback. */
export function settingsYaml(
  dearBaseUrl: string,
  starshipitBaseUrl: string,
  o: BenchSettingsOptions,
): string {
  const mappings = (o.courierMappings ?? [{ courier: 'AusPost', carrier: 'Australia Post' }])
    .map((m) => `    - courier: ${m.courier}\n      carrier: ${m.carrier}`)
    .join('\n');
  const extra = [
    ...(o.customs ? ['  customs:', '    enabled: true', '    senderCountry: AU'] : []),
    'writeback:',
    '  enabled: true',
    '  when: labelPrinted',
    '  courierMappings:',
    mappings,
    '',
  ].join('\n');
  return sandboxSettingsYaml({ dearBaseUrl, starshipitBaseUrl }, extra, {
    timeScale: o.timeScale,
    statuses: o.statuses,
  });
}

export function benchSettings(
  dearBaseUrl: string,
  starshipitBaseUrl: string,
  o: BenchSettingsOptions,
): DearSettings {
  const yaml = settingsYaml(dearBaseUrl, starshipitBaseUrl, o);
  const names = [
    'DEAR_ACCOUNT_ID',
    'DEAR_API_KEY',
    'STARSHIPIT_API_KEY',
    'STARSHIPIT_SUBSCRIPTION_KEY',
  ];
  const { settings, diagnostics } = analyzeSettings(yaml, { knownSecretNames: new Set(names) });
  if (!settings) {
    throw new Error(
      `bench settings rejected by the config core:\n${diagnostics.map((d) => formatDiagnosticText('bench.yaml', d)).join('\n')}`,
    );
  }
  return settings;
}

/** Sandbox credentials under the secret names used in `settingsYaml`. */
export function credentialsLookup(
  credentials: Pick<
    SandboxCredentials,
    'dearAccountId' | 'dearApiKey' | 'starshipitApiKey' | 'starshipitSubscriptionKey'
  >,
): SecretLookup {
  const secrets = sandboxSecrets({ credentials });
  return (_kind, name) => secrets[name];
}
