/**
 * Reading and editing a settings file for the editor's commands: the credential references a
 * file makes (for a run's secrets and Dear: Set Credentials…), the edits that put a
 * `${secret:NAME}` reference into a setting, and pointing a sandbox settings file at new sandbox
 * URLs. The language server answers the client's requests with these (protocol/lsp.ts), so the
 * client never parses YAML itself.
 */
import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import { errorMessage } from '../../../protocol/errorMessage';
import type {
  CredentialRefs,
  SandboxEndpoints,
  SecretReferenceEditsRequest,
  SettingsReferencesRequest,
  SettingsTextEdit as TextEdit,
} from '../../../protocol/lsp';

const REF_ANYWHERE = /\$\{(env|secret):([A-Za-z0-9_.-]+)\}/g;

/** Every referenced name, in file order, without duplicates. Comments are ignored. */
export function findCredentialRefs(text: string): CredentialRefs {
  const secrets = new Set<string>();
  const env = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const code = stripComment(line);
    for (const match of code.matchAll(REF_ANYWHERE))
      (match[1] === 'secret' ? secrets : env).add(match[2]);
  }
  return { secrets: [...secrets], env: [...env] };
}

/** Drops a YAML `# comment` that is not inside quotes (good enough for reference scanning). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

/** `dear.apiVersion` as written (1 or 2), default 2; used for the run header only. */
export function readApiVersion(text: string): number {
  try {
    const doc = parseDocument(text);
    const apiVersion = doc.getIn(['dear', 'apiVersion']);
    return apiVersion === 1 || apiVersion === '1' ? 1 : 2;
  } catch {
    return 2;
  }
}

/** Which setting (if any) a secret is referenced from, e.g. `dear.apiKey` for a `${secret:X}` value there. */
export function settingPathsOfSecrets(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let doc: Document;
  try {
    doc = parseDocument(text);
  } catch {
    return out;
  }
  const walk = (node: unknown, path: string[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key !== undefined) walk(pair.value, [...path, key]);
      }
    } else if (isScalar(node) && typeof node.value === 'string') {
      for (const match of node.value.matchAll(REF_ANYWHERE))
        if (match[1] === 'secret' && !out.has(match[2])) out.set(match[2], path.join('.'));
    }
  };
  walk(doc.contents, []);
  return out;
}

/**
 * Edits that set `section.key: "${secret:NAME}"` for each requested reference: replaces an existing
 * scalar value, or inserts the key under an existing section, or appends the section. Returns no
 * edit for a setting that already holds exactly that reference.
 */
export function planSecretReferenceEdits(
  text: string,
  refs: readonly { path: [string, string]; name: string }[],
): TextEdit[] {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length)
    throw new Error(
      `the settings file has YAML errors (line ${lineOf(text, doc.errors[0].pos[0])}); fix them first`,
    );
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const edits: TextEdit[] = [];
  const appended = new Map<string, string[]>();
  for (const ref of refs) {
    const value = `"\${secret:${ref.name}}"`;
    const [section, key] = ref.path;
    const sectionNode = doc.get(section, true);
    if (isMap(sectionNode)) {
      const pair = sectionNode.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (pair && isScalar(pair.value) && pair.value.range) {
        if (pair.value.value === `\${secret:${ref.name}}`) continue;
        const [start, end] = pair.value.range;
        edits.push({ offset: start, length: end - start, newText: value });
        continue;
      }
      if (
        !pair &&
        sectionNode.range &&
        !sectionNode.flow &&
        sectionNode.items.length > 0 &&
        isScalar(sectionNode.items[0].key) &&
        sectionNode.items[0].key.range
      ) {
        // Insert before the first key of the section, with the same indentation.
        const firstKeyStart = sectionNode.items[0].key.range[0];
        const lineStart = text.lastIndexOf('\n', firstKeyStart - 1) + 1;
        const indent = text.slice(lineStart, firstKeyStart);
        if (/^[ ]*$/.test(indent)) {
          edits.push({ offset: lineStart, length: 0, newText: `${indent}${key}: ${value}${eol}` });
          continue;
        }
      }
      if (pair)
        throw new Error(`cannot place a reference in ${section}.${key}: it is not a plain value`);
    } else if (sectionNode !== undefined) {
      throw new Error(`cannot place a reference under "${section}": it is not a mapping`);
    }
    const list = appended.get(section) ?? [];
    list.push(`  ${key}: ${value}`);
    appended.set(section, list);
  }
  if (appended.size) {
    const prefix = text.length === 0 || text.endsWith('\n') ? '' : eol;
    const block = [...appended]
      .map(([section, lines]) => `${section}:${eol}${lines.join(eol)}${eol}`)
      .join('');
    edits.push({ offset: text.length, length: 0, newText: prefix + block });
  }
  return edits;
}

/** Applies edits (non-overlapping) to a string. */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const edit of [...edits].sort((a, b) => b.offset - a.offset))
    out = out.slice(0, edit.offset) + edit.newText + out.slice(edit.offset + edit.length);
  return out;
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** Points an existing sandbox settings file at new sandbox URLs (the port changes per start). */
export function retargetSandboxSettings(text: string, endpoints: SandboxEndpoints): string {
  const doc = parseDocument(text);
  const edits: TextEdit[] = [];
  for (const [section, url] of [
    ['dear', endpoints.dearBaseUrl],
    ['starshipit', endpoints.starshipitBaseUrl],
  ] as const) {
    const node = doc.getIn([section, 'baseUrl'], true);
    if (isScalar(node) && node.range)
      edits.push({ offset: node.range[0], length: node.range[1] - node.range[0], newText: url });
  }
  return applyTextEdits(text, edits);
}

/** What dear/settingsReferences answers: references, where each secret is set, the API version. */
export function settingsReferences(text: string): SettingsReferencesRequest.Result {
  const refs = findCredentialRefs(text);
  return {
    ...refs,
    secretSettings: Object.fromEntries(settingPathsOfSecrets(text)),
    apiVersion: readApiVersion(text) === 1 ? 1 : 2,
  };
}

/** What dear/secretReferenceEdits answers: the edits, or the sentence saying why there are none. */
export function secretReferenceEdits(
  params: SecretReferenceEditsRequest.Params,
): SecretReferenceEditsRequest.Result {
  try {
    return { edits: planSecretReferenceEdits(params.text, params.refs) };
  } catch (err) {
    return { edits: [], error: errorMessage(err) };
  }
}
