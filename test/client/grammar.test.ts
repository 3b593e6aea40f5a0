import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadWASM, OnigScanner, OnigString } from 'vscode-oniguruma';
import { INITIAL, Registry, parseRawGrammar, type IGrammar } from 'vscode-textmate';

/** Tokenizes with the real TextMate engine VS Code uses, and returns [text, innermost scope] pairs per line. */
async function loadGrammar(): Promise<IGrammar> {
  const wasm = readFileSync(
    path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'),
  );
  await loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (s: string[]) => new OnigScanner(s),
      createOnigString: (s: string) => new OnigString(s),
    }),
    loadGrammar: async (scope) =>
      scope === 'source.dear-starshipit'
        ? parseRawGrammar(
            readFileSync('client/syntaxes/dear-starshipit.tmLanguage.json', 'utf8'),
            'dear-starshipit.tmLanguage.json',
          )
        : null,
  });
  const g = await registry.loadGrammar('source.dear-starshipit');
  assert.ok(g);
  return g;
}

describe('TextMate grammar (client/syntaxes/dear-starshipit.tmLanguage.json)', () => {
  let grammar: IGrammar;
  before(async () => {
    grammar = await loadGrammar();
  });

  const scopesOf = (lines: string[]) => {
    let state = INITIAL;
    const out: [string, string][] = [];
    for (const line of lines) {
      const r = grammar.tokenizeLine(line, state);
      for (const t of r.tokens) {
        const text = line.slice(t.startIndex, t.endIndex);
        if (text.trim()) out.push([text, t.scopes[t.scopes.length - 1]]);
      }
      state = r.ruleStack;
    }
    return out;
  };
  const scopeOf = (tokens: [string, string][], text: string) =>
    tokens.find(([t]) => t === text)?.[1];

  it('colours the sample like YAML, with credential references called out', () => {
    const tokens = scopesOf(readFileSync('samples/dear-starshipit.yaml', 'utf8').split('\n'));
    assert.equal(scopeOf(tokens, 'dear'), 'entity.name.tag.yaml');
    assert.equal(scopeOf(tokens, 'apiVersion'), 'entity.name.tag.yaml');
    assert.equal(
      scopeOf(tokens, 'DEAR_API_KEY'),
      'variable.other.constant.credential-name.dear-starshipit',
    );
    assert.equal(scopeOf(tokens, 'secret'), 'keyword.other.credential-source.dear-starshipit');
    assert.equal(scopeOf(tokens, 'true'), 'constant.language.boolean.yaml');
    assert.equal(scopeOf(tokens, '60'), 'constant.numeric.yaml');
    assert.equal(scopeOf(tokens, 'Australia Post'), 'string.unquoted.plain.out.yaml');
    assert.equal(scopeOf(tokens, 'ORDERED'), 'string.unquoted.plain.out.yaml');
    assert.equal(scopeOf(tokens, '['), 'punctuation.definition.sequence.begin.yaml');
    assert.equal(scopeOf(tokens, '-'), 'punctuation.definition.block.sequence.item.yaml');
    assert.ok(
      tokens.some(
        ([t, s]) =>
          t.trim().startsWith('Dear Starshipit settings') && s === 'comment.line.number-sign.yaml',
      ),
    );
  });

  it('handles quoted strings, comments after values and anchors', () => {
    const tokens = scopesOf([
      'key: "a \\" b" # note',
      "other: 'it''s'",
      'x: &anchor 1',
      'y: *anchor',
    ]);
    assert.equal(scopeOf(tokens, '\\"'), 'constant.character.escape.yaml');
    assert.equal(scopeOf(tokens, ' note'), 'comment.line.number-sign.yaml');
    assert.equal(scopeOf(tokens, "''"), 'constant.character.escape.single-quoted.yaml');
    assert.equal(scopeOf(tokens, 'anchor'), 'entity.name.type.anchor.yaml');
  });

  it('is the grammar and language configuration package.json declares', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      contributes: {
        languages: { id: string; configuration: string }[];
        grammars: { language: string; scopeName: string; path: string }[];
      };
    };
    const lang = pkg.contributes.languages.find((l) => l.id === 'dear-starshipit')!;
    const config = JSON.parse(readFileSync(lang.configuration, 'utf8')) as {
      comments: { lineComment: string };
    };
    assert.equal(config.comments.lineComment, '#');
    const g = pkg.contributes.grammars.find((x) => x.language === 'dear-starshipit')!;
    assert.equal(g.scopeName, 'source.dear-starshipit');
    assert.equal(
      (JSON.parse(readFileSync(g.path, 'utf8')) as { scopeName: string }).scopeName,
      g.scopeName,
    );
  });
});
