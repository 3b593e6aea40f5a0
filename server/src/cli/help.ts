/**
 * What the CLI says about itself: the command list, each command's help (`COMMAND --help`,
 * `help COMMAND`) and "did you mean" suggestions for mistyped commands and options. The texts
 * describe the code as it behaves (e.g. `sync` writes back first, then imports).
 */
import { SECRET_ENV_PREFIX } from '../../../protocol/settings';

export interface CommandHelp {
  /** Synopsis and one-line meaning, for the command list. */
  summary: [synopsis: string, meaning: string];
  /** Usage lines (without the leading "usage: "). */
  usage: string[];
  /** Options this command accepts (for did-you-mean); each with its one-line meaning. */
  options: [flag: string, meaning: string][];
  /** Paragraphs after the options. */
  notes?: string[];
}

const RUN_OPTIONS: [string, string][] = [
  ['--config FILE', 'settings file (default ./dear-starshipit.yaml)'],
  [
    '--dry-run',
    'write nothing to either API, nor to the journal; print what would be sent, the skips and an estimate',
  ],
  ['--json', 'one JSON event per line on stdout; the last line is the summary (or an error event)'],
  ['--state DIR', 'state directory (default: engine.stateDir beside the settings file)'],
];

const EXIT_CODES =
  'Exit codes: 0 everything done · 1 something needs attention, the run was cancelled, or the state directory is in use · 2 bad usage or configuration.';

export const HELP: Record<string, CommandHelp> = {
  init: {
    summary: ['init [FILE]', 'write a commented settings file to start from'],
    usage: ['dear-starshipit init [FILE]'],
    options: [],
    notes: [
      'Writes FILE (default ./dear-starshipit.yaml) with every setting explained and credentials as ${secret:NAME} references; an existing file is never overwritten.',
      `Then: set ${SECRET_ENV_PREFIX}<NAME> for each secret, and run "npx dear-starshipit validate FILE".`,
    ],
  },
  validate: {
    summary: ['validate FILE [--json]', 'check a settings file'],
    usage: ['dear-starshipit validate FILE [--json]'],
    options: [['--json', 'one JSON array of diagnostics (0-based, LSP style)']],
    notes: [
      'Exit codes: 0 no errors · 1 errors found · 2 bad usage or a file that cannot be read.',
    ],
  },
  import: {
    summary: ['import [--dry-run] [--json]', 'import sales from Cin7 Core into Starshipit'],
    usage: ['dear-starshipit import [--config FILE] [--dry-run] [--json] [--state DIR]'],
    options: RUN_OPTIONS,
    notes: [EXIT_CODES],
  },
  writeback: {
    summary: ['writeback [--dry-run] [--json]', 'write carrier and tracking back to Cin7 Core'],
    usage: ['dear-starshipit writeback [--config FILE] [--dry-run] [--json] [--state DIR]'],
    options: RUN_OPTIONS,
    notes: [EXIT_CODES],
  },
  sync: {
    summary: ['sync [--watch] [--dry-run] …', 'write back printed labels first, then import'],
    usage: [
      'dear-starshipit sync [--config FILE] [--dry-run] [--json] [--state DIR]',
      'dear-starshipit sync --watch [--interval SECONDS] [--config FILE] [--json] [--state DIR]',
    ],
    options: [
      ...RUN_OPTIONS,
      ['--watch', 'sync, then again every --interval seconds until Ctrl+C / SIGTERM'],
      ['--interval SECONDS', 'seconds between watch runs (default 300)'],
    ],
    notes: [
      'Writebacks run first (a printed label waiting for its tracking matters more than a new order), then the import.',
      EXIT_CODES,
    ],
  },
  retry: {
    summary: ['retry [--dry-run] [--json]', 're-run the needs-attention items'],
    usage: ['dear-starshipit retry [--config FILE] [--dry-run] [--json] [--state DIR]'],
    options: RUN_OPTIONS,
    notes: [
      'Re-runs every needs-attention item (writebacks first, then imports), including those that wait for a change in data or settings; lists no new sales.',
      EXIT_CODES,
    ],
  },
  serve: {
    summary: [
      'serve [--config FILE] [--json]',
      'run unattended: schedules, /healthz, /metrics, alerts',
    ],
    usage: ['dear-starshipit serve [--config FILE] [--json] [--state DIR]'],
    options: [
      [
        '--config FILE',
        'settings file (default ./dear-starshipit.yaml), read again before each run',
      ],
      ['--json', 'JSON log lines even on a terminal (the default when stdout is not a terminal)'],
      ['--state DIR', 'state directory (default: engine.stateDir beside the settings file)'],
    ],
    notes: [
      'Imports every service.importEverySeconds and writes back every service.writebackEverySeconds, holding the state directory for the whole service; serves GET /healthz and GET /metrics (and POST /webhooks/starshipit with service.trackingWebhooks) on service.listen.',
      'SIGTERM / SIGINT stop after the current call; a restart resumes from the journal. Exit codes: 0 stopped by a signal · 1 the state directory is in use · 2 bad usage or configuration.',
    ],
  },
  status: {
    summary: ['status [--state DIR] [--json]', 'summarise the journal (no network, no lock)'],
    usage: ['dear-starshipit status [--config FILE | --state DIR] [--json]'],
    options: [
      [
        '--config FILE',
        'settings file whose engine.stateDir is read (default ./dear-starshipit.yaml)',
      ],
      ['--state DIR', 'read this state directory; no settings file is needed'],
      ['--json', 'one {"type":"status", …} object'],
    ],
    notes: [
      'Exit codes: 0 nothing needs attention · 1 something needs attention · 2 bad usage or configuration.',
    ],
  },
  doctor: {
    summary: ['doctor [--json] [--save-samples DIR]', 'check both connections (read-only)'],
    usage: ['dear-starshipit doctor [--config FILE] [--json] [--save-samples DIR] [--state DIR]'],
    options: [
      ['--config FILE', 'settings file (default ./dear-starshipit.yaml)'],
      ['--json', 'print the report as one JSON object'],
      [
        '--save-samples DIR',
        'write every observed answer to DIR (personal data masked, credentials scrubbed)',
      ],
      ['--state DIR', 'state directory (default: engine.stateDir beside the settings file)'],
    ],
    notes: [
      'Read-only: a handful of calls to each API through the rate limiter. Exit codes: 0 all good · 1 a problem found · 2 cannot run.',
    ],
  },
  reconcile: {
    summary: [
      'reconcile [--since DATE] [--apply] [--json]',
      'compare Cin7 Core, Starshipit and the journal; --apply makes the safe fixes',
    ],
    usage: [
      'dear-starshipit reconcile [--config FILE] [--since DATE] [--apply] [--json] [--state DIR]',
    ],
    options: [
      ['--config FILE', 'settings file (default ./dear-starshipit.yaml)'],
      ['--since DATE', 'start of the period (e.g. 2026-11-01; default 30 days ago)'],
      [
        '--apply',
        'import missing sales, write missing tracking back, record orders the journal lost; never deletes',
      ],
      ['--json', 'one JSON object per line: estimate, findings, run events, then the summary'],
      ['--state DIR', 'state directory (default: engine.stateDir beside the settings file)'],
    ],
    notes: [
      'Without --apply nothing is written anywhere. Exit codes: 0 both systems agree (or every finding was fixed) · 1 findings left, cancelled, or the state directory is in use · 2 bad usage or configuration.',
    ],
  },
  demo: {
    summary: ['demo', 'the `npm start` tour on the built-in sandbox'],
    usage: ['dear-starshipit demo'],
    options: [],
    notes: [
      'Starts the sandbox in-process (100× faster than the real APIs), previews, imports, prints labels and writes back on a throwaway state directory. Exit 0 when every check passes.',
    ],
  },
  sandbox: {
    summary: ['sandbox [--port N] …', 'run the Cin7 Core + Starshipit sandbox'],
    usage: [
      'dear-starshipit sandbox [--port N] [--seed N] [--sales N] [--time-scale X] [--faults SPEC] [--state FILE] [--switch name=value …]',
    ],
    options: [
      ['--port N', 'Cin7 Core on N, Starshipit on N+1 (default 4780; 0 = random free ports)'],
      ['--seed N', 'data seed (default 1)'],
      ['--sales N', 'number of sales (default 60)'],
      ['--time-scale X', 'divide every window and wait by X (default 1)'],
      ['--faults SPEC', 'e.g. dear:saleList:500@0.1,starshipit:orders:reset@0.05'],
      ['--state FILE', 'load state from FILE and save it there on change and on exit'],
      ['--switch k=v', 'e.g. dearThrottleStatus=503, starshipitDuplicates=reject (repeatable)'],
    ],
  },
  lsp: {
    summary: ['lsp --stdio', 'run the language server over stdio'],
    usage: ['dear-starshipit lsp --stdio'],
    options: [['--stdio', 'speak LSP over stdin/stdout (the only transport)']],
  },
  help: {
    summary: ['help [COMMAND]', 'this list, or one command in detail'],
    usage: ['dear-starshipit help [COMMAND]', 'dear-starshipit COMMAND --help'],
    options: [],
  },
};

function commandNames(): string[] {
  return Object.keys(HELP);
}

/** The command list (`dear-starshipit --help`, and after a usage error without a command). */
export function usage(): string {
  return [
    'usage: dear-starshipit <command> [options]',
    '',
    ...Object.values(HELP).map((c) => `  ${c.summary[0].padEnd(30)} ${c.summary[1]}`),
    '',
    'Run "npx dear-starshipit help COMMAND" (or COMMAND --help) for its options.',
  ].join('\n');
}

/** The usage lines of one command (printed on stderr after a usage error). */
export function commandUsage(name: string): string {
  const help = HELP[name];
  return help.usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}${u}`).join('\n');
}

/** Full help of one command (`COMMAND --help`, `help COMMAND`). */
export function commandHelp(name: string): string {
  const help = HELP[name];
  const width = Math.max(0, ...help.options.map(([flag]) => flag.length));
  const meaning = help.summary[1];
  const lines = [commandUsage(name), '', `${meaning[0].toUpperCase()}${meaning.slice(1)}.`];
  if (help.options.length) {
    lines.push('', 'options:');
    for (const [flag, meaning] of help.options) lines.push(`  ${flag.padEnd(width)}  ${meaning}`);
    lines.push(`  ${'--help'.padEnd(width)}  this help`);
  }
  for (const note of help.notes ?? []) lines.push('', note);
  return lines.join('\n');
}

/** Edit distance (insert, delete, substitute, swap of neighbours) between two short words. */
function editDistance(a: string, b: string): number {
  const distances: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      distances[i][j] = Math.min(
        distances[i - 1][j] + 1,
        distances[i][j - 1] + 1,
        distances[i - 1][j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        distances[i][j] = Math.min(distances[i][j], distances[i - 2][j - 2] + 1);
    }
  }
  return distances[a.length][b.length];
}

/** The closest candidate when it is close enough to be a typo (or a unique prefix), else undefined. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const lowered = word.toLowerCase();
  const prefixed = candidates.filter((c) => lowered.length >= 3 && c.startsWith(lowered));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const dist = editDistance(lowered, candidate);
    if (dist < bestDistance) {
      best = candidate;
      bestDistance = dist;
    }
  }
  const allowed = Math.max(1, Math.floor(Math.max(lowered.length, 4) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** `unknown option "--dryrun" (did you mean --dry-run?)` for command `name`. */
export function unknownOptionMessage(name: string, option: string): string {
  const flags = [...(HELP[name]?.options ?? []).map(([flag]) => flag.split(' ')[0]), '--help'];
  const bare = option.split('=')[0];
  const guess = closest(bare, flags);
  return `unknown option "${option}"${guess ? ` (did you mean ${guess}?)` : ''}`;
}

/** `unknown command "improt" (did you mean import?)`. */
export function unknownCommandMessage(name: string): string {
  const guess = closest(name, commandNames());
  return `unknown command "${name}"${guess ? ` (did you mean ${guess}?)` : ''}`;
}
