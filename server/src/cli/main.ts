/**
 * `dear-starshipit` — one binary, one subcommand per module. The dispatcher only parses the
 * subcommand name; every module owns its own flags and returns the process exit code
 * (0 ok, 1 something needs attention / errors found, 2 usage or configuration error).
 */
import { validateCommand } from './validate';
import { lspCommand } from './lsp';
import { runCommand } from './run';
import { demoCommand } from './demo';
import { doctorCommand } from './doctor';
import { sandboxCommand } from '../../../sandbox/src/cli';
import { VERSION } from '../version';
import { errorMessage } from '../../../protocol/errorMessage';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  validate: {
    run: validateCommand,
    summary: 'validate FILE [--json]        check a settings file',
  },
  lsp: {
    run: lspCommand,
    summary: 'lsp --stdio                   run the language server over stdio',
  },
  sandbox: {
    run: sandboxCommand,
    summary: 'sandbox [--port N] …          run the Cin7 Core + Starshipit sandbox',
  },
  import: {
    run: (a) => runCommand('import', a),
    summary: 'import [--dry-run] [--json]   import sales into Starshipit',
  },
  writeback: {
    run: (a) => runCommand('writeback', a),
    summary: 'writeback [--dry-run] [--json] write tracking back to Cin7 Core',
  },
  sync: {
    run: (a) => runCommand('sync', a),
    summary: 'sync [--watch] …              import, then write back',
  },
  status: {
    run: (a) => runCommand('status', a),
    summary: 'status                        summarise the journal',
  },
  retry: {
    run: (a) => runCommand('retry', a),
    summary: 'retry                         re-run the needs-attention items',
  },
  doctor: {
    run: doctorCommand,
    summary: 'doctor [--json] [--save-samples DIR] check both connections (read-only)',
  },
  demo: {
    run: demoCommand,
    summary: 'demo                          the `npm start` tour on the built-in sandbox',
  },
};

export function usage(): string {
  return [
    'usage: dear-starshipit <command> [options]',
    '',
    ...Object.values(COMMANDS).map((c) => `  ${c.summary}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`dear-starshipit ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`dear-starshipit: unknown command "${name}"\n${usage()}\n`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    // `lsp` and `sandbox` keep running after their promise resolves; they exit on their own.
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`dear-starshipit: ${errorMessage(err)}\n`);
    process.exitCode = 2;
  },
);
