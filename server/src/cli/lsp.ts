// Placeholder until the language server lands (issue 2).
export async function lspCommand(_args: string[]): Promise<number> {
  process.stderr.write('lsp: not built yet\n');
  return 2;
}
