/**
 * `dear-starshipit sandbox [--port N] [--seed N] [--sales N] [--time-scale X] [--faults SPEC]
 * [--state FILE] [--switch name=value …]` — runs both fake APIs until Ctrl+C / SIGTERM.
 */
import type { SandboxOptions } from './api';
import { parseSwitch } from './config';
import { parseFaultSpec } from './faults';
import { startSandbox } from './index';
import { errorMessage } from '../../protocol/errorMessage';

const USAGE = `usage: dear-starshipit sandbox [--port N] [--seed N] [--sales N] [--time-scale X] [--faults SPEC] [--state FILE] [--switch name=value …]
  --port N         Cin7 Core on N, Starshipit on N+1 (default 4780; 0 = random free ports)
  --seed N         data seed (default 1)          --sales N       number of sales (default 60)
  --time-scale X   divide every window and wait by X (default 1)
  --faults SPEC    e.g. dear:saleList:500@0.1,starshipit:orders:reset@0.05
  --state FILE     load state from FILE and save it there on change and on exit
  --switch k=v     e.g. dearThrottleStatus=503, starshipitDuplicates=reject (repeatable)`;

type SandboxArgs = SandboxOptions & { help?: boolean };

/** One option's value: inline (`--seed=3`) or the next argument. */
interface OptionValue {
  text(): string;
  /** A finite number ≥ `min`. */
  number(min: number): number;
}

function parseSandboxArgs(args: string[]): SandboxArgs {
  const opts: SandboxArgs = { port: 4780, seed: 1, sales: 60, timeScale: 1 };
  const switches: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 && arg !== '--switch' ? arg.slice(0, eq) : arg;
    const inline = flag !== arg ? arg.slice(eq + 1) : undefined;
    const value: OptionValue = {
      text: () => {
        const given = inline ?? args[++i];
        if (given === undefined) throw new Error(`${flag} needs a value`);
        return given;
      },
      number: (min) => {
        const raw = value.text();
        const parsed = Number(raw);
        if (!Number.isFinite(parsed) || parsed < min)
          throw new Error(`${flag}: "${raw}" is not a number ≥ ${min}`);
        return parsed;
      },
    };
    if (!applyOption(opts, switches, flag, value)) throw new Error(`unknown option "${arg}"`);
  }
  if (Object.keys(switches).length) opts.switches = switches;
  return opts;
}

/** Apply one option to `opts` (or a `--switch` to `switches`); false when the flag is unknown. */
function applyOption(
  opts: SandboxArgs,
  switches: Record<string, unknown>,
  flag: string,
  value: OptionValue,
): boolean {
  switch (flag) {
    case '-h':
    case '--help':
      opts.help = true;
      return true;
    case '--port':
      opts.port = value.number(0);
      return true;
    case '--seed':
      opts.seed = value.number(0);
      return true;
    case '--sales':
      opts.sales = value.number(0);
      return true;
    case '--time-scale': {
      const scale = value.number(0);
      if (scale <= 0) throw new Error('--time-scale must be > 0');
      opts.timeScale = scale;
      return true;
    }
    case '--faults': {
      const spec = value.text();
      parseFaultSpec(spec); // fail fast with the rule that is wrong
      opts.faults = spec;
      return true;
    }
    case '--state':
      opts.stateFile = value.text();
      return true;
    case '--switch': {
      const [name, switchValue] = parseSwitchArg(value.text());
      switches[name] = switchValue;
      return true;
    }
    default:
      return false;
  }
}

function parseSwitchArg(nameValue: string): ReturnType<typeof parseSwitch> {
  const at = nameValue.indexOf('=');
  if (at <= 0) throw new Error(`--switch "${nameValue}": expected name=value`);
  return parseSwitch(nameValue.slice(0, at), nameValue.slice(at + 1));
}

export async function sandboxCommand(args: string[]): Promise<number> {
  let opts: SandboxArgs;
  try {
    opts = parseSandboxArgs(args);
  } catch (err) {
    process.stderr.write(`sandbox: ${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  let sandbox;
  try {
    sandbox = await startSandbox(opts);
  } catch (err) {
    process.stderr.write(
      `dear-starshipit sandbox: ${errorMessage(err).replace(/^sandbox: /, '')}\n`,
    );
    return 2;
  }
  const credentials = sandbox.credentials;
  // A closed stdout (e.g. piped into `head`) must not kill a running sandbox.
  process.stdout.on('error', () => undefined);
  process.stdout.write(
    [
      `Sandbox running (seed ${sandbox.seed}, ${sandbox.salesCount} sales, time scale ${sandbox.timeScale}${opts.stateFile ? `, state ${opts.stateFile}` : ''})`,
      `  Cin7 Core   ${sandbox.dearBaseUrl}`,
      `    api-auth-accountid:      ${credentials.dearAccountId}`,
      `    api-auth-applicationkey: ${credentials.dearApiKey}  (second key on the same account: ${credentials.dearApiKey2})`,
      `  Starshipit  ${sandbox.starshipitBaseUrl}`,
      `    StarShipIT-Api-Key:        ${credentials.starshipitApiKey}`,
      `    Ocp-Apim-Subscription-Key: ${credentials.starshipitSubscriptionKey}  (developer rate; production rate: ${credentials.starshipitSubscriptionKeyProduction})`,
      `    second account (e.g. a warehouse's child account): StarShipIT-Api-Key ${credentials.starshipitApiKey2}, Ocp-Apim-Subscription-Key ${credentials.starshipitSubscriptionKey2}`,
      `  Control     ${sandbox.controlUrl}  (info, state, calls, label, dispatch, switches, faults, sale)`,
      '  These are sandbox-only credentials. Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sandbox.close();
  process.stdout.write(
    `Sandbox stopped${opts.stateFile ? `; state saved to ${opts.stateFile}` : ''}.\n`,
  );
  return 0;
}
