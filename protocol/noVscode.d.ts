// Deliberately not a module. The tsconfig of every area that runs outside the extension host maps
// the specifier `vscode` here (compilerOptions.paths), so `import … from 'vscode'` fails to compile
// there with "File '…/noVscode.d.ts' is not a module" instead of finding @types/vscode.
