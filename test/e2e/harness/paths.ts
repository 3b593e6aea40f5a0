/** Where the real-editor harness finds things (the repository root from test/support/paths.ts). */
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/paths';

export const repoRoot = REPO_ROOT;
/** Installed by test/e2e/prepare.sh (git-ignored). */
export const codeServerBin = join(
  repoRoot,
  '.cache',
  'code-server',
  'node_modules',
  '.bin',
  'code-server',
);
export const chromiumPath = process.env.DEAR_E2E_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots, traces and logs of every run (git-ignored). */
export const resultsDir = join(repoRoot, 'test-results', 'e2e');
/** Current screenshots for the README (git-ignored; the lead copies them). */
export const readmeShotsDir = join(repoRoot, 'test-results', 'readme');
/** Sources of the harness self-test fixtures (plain JS extensions, loaded by VS Code as they are). */
export const fixturesDir = join(repoRoot, 'test', 'e2e', 'fixtures');
