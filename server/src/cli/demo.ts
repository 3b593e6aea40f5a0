// Placeholder: `npm start` tour. Exits 0 until the sandbox and engine land.
export async function demoCommand(_args: string[]): Promise<number> {
  process.stdout.write('dear-starshipit demo: sandbox not built yet\n');
  return 0;
}
