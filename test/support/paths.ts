/** Where things are for every test project: the repository, the CLI bundle, fresh temp folders. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repository root (this file runs from out/test/support). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The CLI bundle (`npm run build` writes it). */
export const CLI_PATH = path.join(REPO_ROOT, 'dist', 'cli.js');

/** A fresh folder under the system temp directory, e.g. `tempDir('dear-engine-')`. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
