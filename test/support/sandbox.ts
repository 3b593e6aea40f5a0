/**
 * The sandbox for tests: started from the compiled tree (so the Node suites, the extension-host
 * suites and the e2e harness start the same module), the CLI's environment for its credentials,
 * and a settings file pointed at it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sandbox, SandboxCredentials, SandboxOptions } from '../../sandbox/src/api';
import { SECRET_ENV_PREFIX } from '../../protocol/settings';
import { REPO_ROOT } from './paths';

/** Starts the sandbox built into out/ (port 0 unless given: a free port per suite). */
export async function startTestSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const modulePath = path.join(REPO_ROOT, 'out', 'sandbox', 'src', 'index.js');
  if (!fs.existsSync(modulePath))
    throw new Error(
      `the sandbox is not built (${modulePath} is missing): run "npm run compile-tests"`,
    );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sandboxModule = require(modulePath) as {
    startSandbox?: (o: SandboxOptions) => Promise<Sandbox>;
  };
  if (typeof sandboxModule.startSandbox !== 'function')
    throw new Error(`${modulePath} does not export startSandbox()`);
  return sandboxModule.startSandbox(options);
}

/** The sandbox's default-account credentials under the secret names the sample settings use. */
export function sandboxSecrets(sb: {
  credentials: Pick<
    SandboxCredentials,
    'dearAccountId' | 'dearApiKey' | 'starshipitApiKey' | 'starshipitSubscriptionKey'
  >;
}): Record<string, string> {
  const keys = sb.credentials;
  return {
    DEAR_ACCOUNT_ID: keys.dearAccountId,
    DEAR_API_KEY: keys.dearApiKey,
    STARSHIPIT_API_KEY: keys.starshipitApiKey,
    STARSHIPIT_SUBSCRIPTION_KEY: keys.starshipitSubscriptionKey,
  };
}

/** This process's environment plus the sandbox's credentials as the CLI reads `${secret:…}`. */
export function sandboxCliEnv(sb: Sandbox, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keys = sb.credentials;
  const secrets = Object.entries(sandboxSecrets(sb)).map(([name, value]) => [
    `${SECRET_ENV_PREFIX}${name}`,
    value,
  ]);
  return {
    ...process.env,
    ...Object.fromEntries(secrets),
    // The sandbox's second Starshipit account (settings with warehouses.accounts name these).
    [`${SECRET_ENV_PREFIX}STARSHIPIT_NZ_API_KEY`]: keys.starshipitApiKey2,
    [`${SECRET_ENV_PREFIX}STARSHIPIT_NZ_SUBSCRIPTION_KEY`]: keys.starshipitSubscriptionKey2,
    ...extra,
  };
}

export interface SandboxSettingsOptions {
  /** The sandbox's time scale; the rate limits are divided by it (default 100). */
  timeScale?: number;
  timeoutSeconds?: number;
  /** `import.statuses` (default ORDERED, PICKED, PACKED). */
  statuses?: readonly string[];
}

/**
 * Settings YAML pointed at the sandbox: credentials as `${secret:…}` (see `sandboxSecrets`),
 * Cin7 Core's 60 calls per 60 s and the Starshipit developer plan's 2 per second, both shrunk by
 * the time scale. `extra` YAML is appended right after `import.statuses`: indented lines add to
 * `import`, unindented ones add sections.
 */
export function sandboxSettingsYaml(
  sb: Pick<Sandbox, 'dearBaseUrl' | 'starshipitBaseUrl'>,
  extra = '',
  options: SandboxSettingsOptions = {},
): string {
  const timeScale = options.timeScale ?? 100;
  const timeout = options.timeoutSeconds ?? 30;
  const statuses = options.statuses ?? ['ORDERED', 'PICKED', 'PACKED'];
  return `dear:
  apiVersion: 2
  accountId: \${secret:DEAR_ACCOUNT_ID}
  apiKey: \${secret:DEAR_API_KEY}
  baseUrl: ${sb.dearBaseUrl}
  rateLimit:
    calls: 60
    perSeconds: ${60 / timeScale}
  pageSize: 1000
  timeoutSeconds: ${timeout}
starshipit:
  apiKey: \${secret:STARSHIPIT_API_KEY}
  subscriptionKey: \${secret:STARSHIPIT_SUBSCRIPTION_KEY}
  baseUrl: ${sb.starshipitBaseUrl}
  plan: developer
  rateLimit:
    calls: 2
    perSeconds: ${1 / timeScale}
  timeoutSeconds: ${timeout}
import:
  statuses: [${statuses.join(', ')}]
${extra}`;
}

/** `dir/dear-starshipit.yaml` with `sandboxSettingsYaml`; returns the file's path. */
export function writeSandboxSettings(
  sb: Pick<Sandbox, 'dearBaseUrl' | 'starshipitBaseUrl'>,
  dir: string,
  extra = '',
  options: SandboxSettingsOptions = {},
): string {
  const file = path.join(dir, 'dear-starshipit.yaml');
  fs.writeFileSync(file, sandboxSettingsYaml(sb, extra, options));
  return file;
}
