/**
 * `dear-starshipit` — one binary, one subcommand per module. The dispatcher parses the subcommand
 * name and answers `--help` / `-h` for every command itself (so `demo --help` never runs the demo);
 * every module owns its other flags and returns the process exit code (0 ok, 1 something needs
 * attention / errors found, 2 usage or configuration error). Usage errors go to stderr.
 * A subcommand's module is loaded only when that subcommand runs, so `lsp --stdio` holds neither
 * the engine nor the sandbox.
 */
import { VERSION } from '../version';
import { errorMessage } from '../../../protocol/errorMessage';
import { commandHelp, HELP, unknownCommandMessage, unknownOptionMessage, usage } from './help';

type Command = (args: string[]) => Promise<number>;

/** `demo` takes no options: anything after it is a usage error rather than silently ignored. */
async function demoWithoutArguments(args: string[]): Promise<number> {
  if (args.length > 0) {
    const problem = args[0].startsWith('-')
      ? unknownOptionMessage('demo', args[0])
      : `unexpected argument "${args[0]}"`;
    process.stderr.write(`dear-starshipit demo: ${problem}\n${commandHelp('demo')}\n`);
    return 2;
  }
  return (await import('./demo.js')).demoCommand(args);
}

const COMMANDS: Record<string, Command> = {
  init: async (a) => (await import('./init.js')).initCommand(a),
  validate: async (a) => (await import('./validate.js')).validateCommand(a),
  import: async (a) => (await import('./run.js')).runCommand('import', a),
  writeback: async (a) => (await import('./run.js')).runCommand('writeback', a),
  sync: async (a) => (await import('./run.js')).runCommand('sync', a),
  retry: async (a) => (await import('./run.js')).runCommand('retry', a),
  status: async (a) => (await import('./run.js')).runCommand('status', a),
  serve: async (a) => (await import('./serve.js')).serveCommand(a),
  doctor: async (a) => (await import('./doctor.js')).doctorCommand(a),
  reconcile: async (a) => (await import('./reconcile.js')).reconcileCommand(a),
  demo: demoWithoutArguments,
  sandbox: async (a) => (await import('../../../sandbox/src/cli.js')).sandboxCommand(a),
  lsp: async (a) => (await import('./lsp.js')).lspCommand(a),
  help: async (a) => helpCommand(a),
};

function helpCommand(args: string[]): number {
  if (args.length === 0) {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const name = args[0];
  if (!HELP[name] || args.length > 1) {
    process.stderr.write(
      `dear-starshipit help: ${HELP[name] ? 'expected one COMMAND' : unknownCommandMessage(name)}\n${usage()}\n`,
    );
    return 2;
  }
  process.stdout.write(commandHelp(name) + '\n');
  return 0;
}

/** `--help` / `-h` anywhere before a `--` (an option's value is never a help flag in practice). */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The sandbox's own parser knows its flags; this adds the did-you-mean for a mistyped one. */
function unknownSandboxOption(args: string[]): string | undefined {
  const flags = HELP.sandbox.options.map(([flag]) => flag.split(' ')[0]);
  for (let i = 0; i < args.length; i++) {
    const flag = args[i].split('=')[0];
    if (!args[i].startsWith('-')) continue;
    if (!flags.includes(flag)) return args[i];
    if (!args[i].includes('=')) i++; // every sandbox flag takes a value
  }
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(`dear-starshipit: missing command\n${usage()}\n`);
    return 2;
  }
  if (name === '--help' || name === '-h') return helpCommand(rest.slice(0, 1));
  if (name === '--version' || name === '-v') {
    process.stdout.write(`dear-starshipit ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`dear-starshipit: ${unknownCommandMessage(name)}\n${usage()}\n`);
    return 2;
  }
  if (asksForHelp(rest)) return helpCommand([name]);
  if (name === 'sandbox') {
    const unknown = unknownSandboxOption(rest);
    if (unknown) {
      process.stderr.write(
        `dear-starshipit sandbox: ${unknownOptionMessage('sandbox', unknown)}\n${commandHelp('sandbox')}\n`,
      );
      return 2;
    }
  }
  return command(rest);
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
