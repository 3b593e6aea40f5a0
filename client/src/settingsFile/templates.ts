/**
 * Starting content for "Dear: Create Settings File" and for the sandbox settings file that
 * "Dear: Start Sandbox" offers. Pure strings; credentials are always references, never values.
 */
import type { SandboxEndpoints } from '../../../protocol/lsp';

export const SETTINGS_FILE_NAME = 'dear-starshipit.yaml';
export const SANDBOX_SETTINGS_FILE_NAME = 'sandbox.dear-starshipit.yaml';

/** Secret names the sandbox's fake credentials are stored under (never the user's real names). */
export const SANDBOX_SECRET_NAMES = {
  dearAccountId: 'SANDBOX_DEAR_ACCOUNT_ID',
  dearApiKey: 'SANDBOX_DEAR_API_KEY',
  starshipitApiKey: 'SANDBOX_STARSHIPIT_API_KEY',
  starshipitSubscriptionKey: 'SANDBOX_STARSHIPIT_SUBSCRIPTION_KEY',
} as const;

export function newSettingsTemplate(): string {
  return `# Cin7 Core (DEAR) → Starshipit order import and tracking writeback.
# Credentials are references: run "Dear: Set Credentials…" to store them in VS Code's SecretStorage,
# or use \${env:NAME} to read an environment variable. Never paste keys into this file.
dear:
  apiVersion: 2
  accountId: "\${secret:DEAR_ACCOUNT_ID}"
  apiKey: "\${secret:DEAR_API_KEY}"
  rateLimit:
    calls: 60
    perSeconds: 60
starshipit:
  apiKey: "\${secret:STARSHIPIT_API_KEY}"
  subscriptionKey: "\${secret:STARSHIPIT_SUBSCRIPTION_KEY}"
  plan: developer
import:
  statuses:
    - ORDERED
    - PICKED
  source: sales
  memo: order
  orderNote: false
  contactAsCompany: false
writeback:
  enabled: true
  when: labelPrinted
  defaultCarrier: DEFAULT Carrier
  autoPickPack: false
  courierMappings:
    - courier: AusPost
      carrier: Australia Post
`;
}

/** Rate limits scaled like the sandbox's clock, so the engine uses the quota without throttling. */
export function sandboxRateLimits(timeScale: number): {
  dearPerSeconds: number;
  starshipitPerSeconds: number;
} {
  const scale = timeScale > 0 ? timeScale : 1;
  const round = (n: number): number => Math.round(n * 1000) / 1000;
  return { dearPerSeconds: round(60 / scale), starshipitPerSeconds: round(1 / scale) };
}

export function sandboxSettingsTemplate(endpoints: SandboxEndpoints): string {
  const limits = sandboxRateLimits(endpoints.timeScale);
  const names = SANDBOX_SECRET_NAMES;
  return `# Settings for the built-in sandbox ("Dear: Start Sandbox"). Its clock runs ${endpoints.timeScale}× faster than
# the real APIs, so the rate limits below are scaled by the same factor. The base URLs are rewritten
# each time the sandbox starts. Credentials are the sandbox's own, stored in SecretStorage.
dear:
  apiVersion: 2
  accountId: "\${secret:${names.dearAccountId}}"
  apiKey: "\${secret:${names.dearApiKey}}"
  baseUrl: ${endpoints.dearBaseUrl}
  rateLimit:
    calls: 60
    perSeconds: ${limits.dearPerSeconds}
starshipit:
  apiKey: "\${secret:${names.starshipitApiKey}}"
  subscriptionKey: "\${secret:${names.starshipitSubscriptionKey}}"
  baseUrl: ${endpoints.starshipitBaseUrl}
  plan: developer
  rateLimit:
    calls: 2
    perSeconds: ${limits.starshipitPerSeconds}
import:
  statuses:
    - ORDERED
    - PICKED
    - PACKED
  source: sales
  memo: order
  orderNote: true
writeback:
  enabled: true
  when: labelPrinted
  defaultCarrier: DEFAULT Carrier
  courierMappings:
    - courier: AusPost
      carrier: Australia Post
engine:
  stateDir: .dear-starshipit/sandbox
`;
}
