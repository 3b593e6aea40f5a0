// Placeholder until the engine lands (issue 4).
export async function runCommand(mode: string, _args: string[]): Promise<number> {
  process.stderr.write(`${mode}: engine not built yet\n`);
  return 2;
}
