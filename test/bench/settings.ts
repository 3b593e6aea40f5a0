/**
 * Engine settings for a time-scaled sandbox, produced the way users produce them: a YAML file run
 * through the config core (schema + semantic rules + defaults). Only the endpoints and the rate
 * limits are set to match the sandbox; everything else is the product's default.
 */
import type { DearSettings } from '../../protocol/settings';
import type { SandboxCredentials } from '../../sandbox/src/api';
import { analyzeSettings, formatDiagnosticText } from '../../server/src/config/index';
import type { SecretLookup } from '../../server/src/engine/index';

export interface BenchSettingsOptions {
  statuses: string[];
  timeScale: number;
  courierMappings?: { courier: string; carrier: string }[];
  /** `import.customs` on, shipping from Australia (product cache; scenario 1c). */
  customs?: boolean;
}

export function settingsYaml(
  dearBaseUrl: string,
  starshipitBaseUrl: string,
  o: BenchSettingsOptions,
): string {
  // Cin7 Core: 60 calls per 60 s; Starshipit developer plan: 2 per second — both shrunk by the time scale.
  const dearWindow = 60 / o.timeScale;
  const ssWindow = 1 / o.timeScale;
  const mappings = (o.courierMappings ?? [{ courier: 'AusPost', carrier: 'Australia Post' }])
    .map((m) => `    - courier: ${m.courier}\n      carrier: ${m.carrier}`)
    .join('\n');
  return [
    'dear:',
    '  accountId: ${secret:DEAR_ACCOUNT_ID}',
    '  apiKey: ${secret:DEAR_API_KEY}',
    `  baseUrl: ${dearBaseUrl}`,
    '  rateLimit:',
    '    calls: 60',
    `    perSeconds: ${dearWindow}`,
    'starshipit:',
    '  apiKey: ${secret:STARSHIPIT_API_KEY}',
    '  subscriptionKey: ${secret:STARSHIPIT_SUBSCRIPTION_KEY}',
    `  baseUrl: ${starshipitBaseUrl}`,
    '  plan: developer',
    '  rateLimit:',
    '    calls: 2',
    `    perSeconds: ${ssWindow}`,
    'import:',
    `  statuses: [${o.statuses.join(', ')}]`,
    ...(o.customs ? ['  customs:', '    enabled: true', '    senderCountry: AU'] : []),
    'writeback:',
    '  enabled: true',
    '  when: labelPrinted',
    '  courierMappings:',
    mappings,
    '',
  ].join('\n');
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
  c: Pick<
    SandboxCredentials,
    'dearAccountId' | 'dearApiKey' | 'starshipitApiKey' | 'starshipitSubscriptionKey'
  >,
): SecretLookup {
  const m: Record<string, string> = {
    DEAR_ACCOUNT_ID: c.dearAccountId,
    DEAR_API_KEY: c.dearApiKey,
    STARSHIPIT_API_KEY: c.starshipitApiKey,
    STARSHIPIT_SUBSCRIPTION_KEY: c.starshipitSubscriptionKey,
  };
  return (_kind, name) => m[name];
}
