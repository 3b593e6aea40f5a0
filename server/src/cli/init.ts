/**
 * `dear-starshipit init [FILE]` — writes a commented settings file to start from (default
 * ./dear-starshipit.yaml). Credentials are `${secret:NAME}` references (an `${env:NAME}` form is
 * shown in the comments); no value is ever written. An existing file is never overwritten: the
 * file is created with O_EXCL, so even a file appearing meanwhile is left alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SECRET_ENV_PREFIX } from '../../../protocol/settings';
import { describeFsError } from './fsErrors';
import { commandUsage, unknownOptionMessage } from './help';

const DEFAULT_SETTINGS_FILE = 'dear-starshipit.yaml';

/** The secret names the template references; the CLI reads DEAR_STARSHIPIT_SECRET_<NAME>. */
const TEMPLATE_SECRETS = [
  'DEAR_ACCOUNT_ID',
  'DEAR_API_KEY',
  'STARSHIPIT_API_KEY',
  'STARSHIPIT_SUBSCRIPTION_KEY',
] as const;

function settingsTemplate(): string {
  return `# Dear Starshipit settings: import Cin7 Core (DEAR) sales into Starshipit as orders and write
# carrier + tracking back to Cin7 Core when a label is printed.
# Check this file with:  npx dear-starshipit validate <this file>
# Every setting is described in README.md ("Settings reference").
#
# Credentials never go into this file. Each one is a reference:
#   \${secret:NAME}  VS Code keeps the value in SecretStorage (run "Dear: Set Credentials…");
#                   the CLI reads the environment variable ${SECRET_ENV_PREFIX}NAME.
#   \${env:NAME}     the environment variable NAME, e.g.  apiKey: \${env:CIN7_API_KEY}

dear:
  apiVersion: 2 # API v2 is needed for fulfilments and the writeback
  # Cin7 Core → Integrations → API: the Account ID and an API application key.
  accountId: \${secret:DEAR_ACCOUNT_ID}
  apiKey: \${secret:DEAR_API_KEY}
  # Cin7 Core allows 60 calls per 60 seconds per API application; the engine stays inside it.
  rateLimit:
    calls: 60
    perSeconds: 60

starshipit:
  # Starshipit → Settings → API: the API key and the subscription key.
  apiKey: \${secret:STARSHIPIT_API_KEY}
  subscriptionKey: \${secret:STARSHIPIT_SUBSCRIPTION_KEY}
  plan: developer # developer = 2 requests/s; production = 20 requests/s

import:
  # Cin7 Core sale statuses to import.
  statuses: [ORDERED, PICKED, PACKED]
  source: sales # or fulfilments: each fulfilment of an Advanced Sale as its own order
  memo: none # none | quote | order | invoice: the memo that goes into delivery instructions
  orderNote: false # true: the sale note goes into delivery instructions too
  # since: 2026-01-31 # first run only: sales updated on or after this date

writeback:
  enabled: true
  when: labelPrinted # or dispatched
  defaultCarrier: DEFAULT Carrier # Cin7 Core carrier name when no mapping below matches
  autoPickPack: true # authorise pick and pack first when a sale is not packed yet
  # Starshipit courier code → carrier name as defined in Cin7 Core.
  courierMappings:
    - courier: AusPost
      carrier: Australia Post

engine:
  stateDir: .dear-starshipit # journal of what was imported and written back; keep it out of git
`;
}

/** The lines printed after the file is written: each command works as printed, from this folder. */
function nextSteps(file: string): string[] {
  const shown = path.relative(process.cwd(), file) || file;
  const quoted = /^[\w./-]+$/.test(shown) ? shown : JSON.stringify(shown);
  const config = shown === DEFAULT_SETTINGS_FILE ? '' : ` --config ${quoted}`;
  return [
    `wrote ${file}`,
    'Next:',
    ...TEMPLATE_SECRETS.map((name) => `  export ${SECRET_ENV_PREFIX}${name}=…`),
    `  npx dear-starshipit validate ${quoted}`,
    `  npx dear-starshipit import --dry-run${config}`,
  ];
}

export async function initCommand(args: string[]): Promise<number> {
  const flag = args.find((a) => a.startsWith('-'));
  if (flag || args.length > 1) {
    const problem = flag ? unknownOptionMessage('init', flag) : 'expected at most one FILE';
    process.stderr.write(`dear-starshipit init: ${problem}\n${commandUsage('init')}\n`);
    return 2;
  }
  const file = path.resolve(args[0] ?? DEFAULT_SETTINGS_FILE);
  try {
    fs.writeFileSync(file, settingsTemplate(), { flag: 'wx', mode: 0o644 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'EEXIST'
        ? `${file} already exists; it was left unchanged. Edit it, or name a new file: npx dear-starshipit init FILE`
        : code === 'ENOENT'
          ? `the folder ${path.dirname(file)} does not exist; create it first (mkdir -p "${path.dirname(file)}") or name a file in an existing folder.`
          : describeFsError(err, { what: 'new settings file', path: file });
    process.stderr.write(`dear-starshipit init: ${message}\n`);
    return code === 'EEXIST' ? 1 : 2;
  }
  process.stdout.write(nextSteps(file).join('\n') + '\n');
  return 0;
}
