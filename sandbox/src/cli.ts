// Placeholder until the sandbox lands (issue 3).
export async function sandboxCommand(_args: string[]): Promise<number> {
  process.stderr.write('sandbox: not built yet\n');
  return 2;
}
