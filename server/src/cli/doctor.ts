/**
 * `dear-starshipit doctor --config FILE [--json] [--save-samples DIR]` — checks the connection to
 * both APIs with a few read-only calls (server/src/engine/doctor.ts).
 * Exit 0 no problem found · 1 a problem found · 2 cannot run (usage, settings, credentials, or the
 * doctor itself failed, e.g. the samples folder cannot be written).
 */
import { errorMessage } from '../../../protocol/errorMessage';
import { formatDoctorReport } from '../../../protocol/doctor';
import { runDoctor } from '../engine/doctor';
import { ErrorReporter } from './errorReport';
import { cliSecrets, loadSettings } from './run';

const USAGE = `usage: dear-starshipit doctor [--config FILE] [--json] [--save-samples DIR] [--state DIR]

  --config FILE        settings file (default ./dear-starshipit.yaml)
  --json               print the report as one JSON object
  --save-samples DIR   write every observed answer to DIR (personal data masked, credentials scrubbed)
  --state DIR          state directory (default: engine.stateDir beside the settings file)
`;

interface DoctorFlags {
  config: string;
  json: boolean;
  samples?: string;
  state?: string;
}

function parseDoctorFlags(args: string[]): DoctorFlags | string {
  const f: DoctorFlags = { config: 'dear-starshipit.yaml', json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const [name, inline] = a.startsWith('--') && a.includes('=') ? a.split(/=(.*)/s) : [a];
    const value = (): string | undefined => inline ?? args[++i];
    if (name === '--json' && inline === undefined) f.json = true;
    else if (
      name === '--config' ||
      name === '-c' ||
      name === '--save-samples' ||
      name === '--state'
    ) {
      const v = value();
      if (!v || v.startsWith('--')) return `${name} needs a value`;
      if (name === '--save-samples') f.samples = v;
      else if (name === '--state') f.state = v;
      else f.config = v;
    } else return `unknown option "${a}"`;
  }
  return f;
}

export async function doctorCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const flags = parseDoctorFlags(args);
  if (typeof flags === 'string') {
    process.stderr.write(`dear-starshipit doctor: ${flags}\n${USAGE}`);
    return 2;
  }
  const settings = loadSettings(flags.config, new ErrorReporter('doctor', flags.json));
  if (!settings) return 2;
  try {
    const report = await runDoctor({
      settings,
      configPath: flags.config,
      stateDir: flags.state,
      secrets: cliSecrets,
      saveSamplesDir: flags.samples,
    });
    process.stdout.write(
      flags.json ? `${JSON.stringify(report)}\n` : `${formatDoctorReport(report).join('\n')}\n`,
    );
    return report.result === 'ok' ? 0 : 1;
  } catch (err) {
    process.stderr.write(`dear-starshipit doctor: ${errorMessage(err)}\n`);
    return 2;
  }
}
