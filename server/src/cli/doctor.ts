/**
 * `dear-starshipit doctor --config FILE [--json] [--save-samples DIR]` — checks the connection to
 * both APIs with a few read-only calls (server/src/engine/doctor.ts).
 * Exit 0 no problem found · 1 a problem found · 2 cannot run (usage, settings, credentials, or the
 * doctor itself failed, e.g. the samples folder cannot be written).
 */
import { errorMessage } from '../../../protocol/errorMessage';
import { formatDoctorReport } from '../../../protocol/doctor';
import { EngineError } from '../engine/index';
import { doctorWithSettings, RunSecrets } from '../frontDoor';
import { ErrorReporter } from './errorReport';
import { commandUsage, unknownOptionMessage } from './help';
import { loadSettings } from './run';

interface DoctorFlags {
  config: string;
  json: boolean;
  samples?: string;
  state?: string;
}

function parseDoctorFlags(args: string[]): DoctorFlags | string {
  const flags: DoctorFlags = { config: 'dear-starshipit.yaml', json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg];
    const value = (): string | undefined => inline ?? args[++i];
    if (name === '--json' && inline === undefined) flags.json = true;
    else if (
      name === '--config' ||
      name === '-c' ||
      name === '--save-samples' ||
      name === '--state'
    ) {
      const given = value();
      if (!given || given.startsWith('--')) return `${name} needs a value`;
      if (name === '--save-samples') flags.samples = given;
      else if (name === '--state') flags.state = given;
      else flags.config = given;
    } else return unknownOptionMessage('doctor', arg);
  }
  return flags;
}

export async function doctorCommand(args: string[]): Promise<number> {
  const report = new ErrorReporter('doctor', args.includes('--json'));
  const flags = parseDoctorFlags(args);
  if (typeof flags === 'string') {
    report.fail('usage', 2, flags);
    process.stderr.write(`${commandUsage('doctor')}\n`);
    return 2;
  }
  const settings = loadSettings(flags.config, report);
  if (!settings) return 2;
  try {
    const result = await doctorWithSettings({
      settings,
      configPath: flags.config,
      stateDir: flags.state,
      secrets: new RunSecrets(),
      saveSamplesDir: flags.samples,
    });
    process.stdout.write(
      flags.json ? `${JSON.stringify(result)}\n` : `${formatDoctorReport(result).join('\n')}\n`,
    );
    return result.result === 'ok' ? 0 : 1;
  } catch (err) {
    const code = err instanceof EngineError ? err.code : 'failed';
    return report.fail(code, 2, errorMessage(err));
  }
}
