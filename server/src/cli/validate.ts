// Placeholder until the config core lands (issue 2).
export async function validateCommand(_args: string[]): Promise<number> {
  process.stderr.write('validate: not built yet\n');
  return 2;
}
