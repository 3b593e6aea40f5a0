import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CompletionItemKind,
  InsertTextFormat,
  type MarkupContent,
} from 'vscode-languageserver-types';
import {
  analyze,
  getCodeActions,
  getCodeLenses,
  getCompletions,
  getDocumentSymbols,
  getHover,
  parseSettings,
} from '../../server/src/config';
import { VALID, cursor } from './helpers';

const labels = (items: { label: string }[]) => items.map((i) => i.label);
const doc = (x: { documentation?: string | MarkupContent }) =>
  typeof x.documentation === 'string' ? x.documentation : (x.documentation?.value ?? '');

describe('config core: language features', () => {
  describe('completion', () => {
    it('offers a whole starting template in an empty file', () => {
      const items = getCompletions('', { line: 0, character: 0 });
      const template = items.find((i) => i.kind === CompletionItemKind.Snippet);
      assert.ok(template, 'template item');
      assert.equal(template.insertTextFormat, InsertTextFormat.Snippet);
      const text =
        template.textEdit && 'newText' in template.textEdit ? template.textEdit.newText : '';
      for (const k of [
        'dear:',
        'starshipit:',
        'import:',
        'statuses:',
        'courierMappings:',
        '\\${secret:${1:DEAR_ACCOUNT_ID}\\}',
      ])
        assert.ok(text.includes(k), k);
      assert.deepEqual(labels(items).slice(1), [
        'dear',
        'starshipit',
        'import',
        'warehouses',
        'writeback',
        'engine',
        'service',
        'alerts',
      ]);
    });

    it('offers the keys of the section the cursor is in, minus those already written', () => {
      const { text, position } = cursor(
        'dear:\n  accountId: x\n  |\nstarshipit:\n  plan: developer\n',
      );
      const items = getCompletions(text, position);
      assert.deepEqual(labels(items), [
        'apiVersion',
        'apiKey',
        'baseUrl',
        'rateLimit',
        'pageSize',
        'timeoutSeconds',
      ]);
      const apiKey = items.find((i) => i.label === 'apiKey')!;
      assert.equal(apiKey.detail, 'dear.apiKey (required)');
      assert.ok(doc(apiKey).includes('API application key'));
      assert.deepEqual(apiKey.textEdit, {
        range: { start: { line: 2, character: 2 }, end: { line: 2, character: 2 } },
        newText: 'apiKey: \\${secret:${1:DEAR_API_KEY}\\}',
      });
      const version = items.find((i) => i.label === 'apiVersion')!;
      assert.equal(
        version.textEdit && 'newText' in version.textEdit && version.textEdit.newText,
        'apiVersion: ${1|2,1|}',
      );
    });

    it('replaces the typed prefix of a key', () => {
      const { text, position } = cursor('import:\n  statuses: [ORDERED]\n  sou|');
      const source = getCompletions(text, position).find((i) => i.label === 'source')!;
      assert.deepEqual(source.textEdit, {
        range: { start: { line: 2, character: 2 }, end: { line: 2, character: 5 } },
        newText: 'source: ${1|sales,fulfilments|}',
      });
    });

    it('offers enum values with their descriptions', () => {
      const { text, position } = cursor('import:\n  source: |');
      const items = getCompletions(text, position);
      assert.deepEqual(labels(items), ['sales', 'fulfilments']);
      assert.ok(doc(items[1]).includes('Requires API version 2'));
      assert.ok(doc(items[0]).includes('(default)'));
      assert.equal(items[0].kind, CompletionItemKind.EnumMember);
    });

    it('adds the space after a colon when the cursor is right after it', () => {
      const { text, position } = cursor('writeback:\n  when:|');
      const items = getCompletions(text, position);
      assert.equal(
        items[0].textEdit && 'newText' in items[0].textEdit && items[0].textEdit.newText,
        ' labelPrinted',
      );
    });

    it('offers sale statuses inside a flow list and as block list items', () => {
      const flow = cursor('import:\n  statuses: [ORDERED, P|');
      const flowItems = getCompletions(flow.text, flow.position);
      assert.equal(flowItems.length, 16);
      const picked = flowItems.find((i) => i.label === 'PICKED')!;
      assert.deepEqual(picked.textEdit, {
        range: { start: { line: 1, character: 22 }, end: { line: 1, character: 23 } },
        newText: 'PICKED',
      });
      const block = cursor('import:\n  statuses:\n    - |');
      assert.ok(labels(getCompletions(block.text, block.position)).includes('BACKORDERED'));
    });

    it('offers a whole courier mapping entry as a snippet', () => {
      const { text, position } = cursor('writeback:\n  courierMappings:\n    - |');
      const snippet = getCompletions(text, position).find(
        (i) => i.kind === CompletionItemKind.Snippet,
      )!;
      assert.ok(snippet);
      assert.equal(snippet.insertTextFormat, InsertTextFormat.Snippet);
      assert.deepEqual(snippet.textEdit, {
        range: { start: { line: 2, character: 6 }, end: { line: 2, character: 6 } },
        newText: 'courier: ${1:AusPost}\n  carrier: ${2:Australia Post}',
      });
    });

    it('a courier mapping key snippet opens a list entry', () => {
      const { text, position } = cursor('writeback:\n  |');
      const item = getCompletions(text, position).find((i) => i.label === 'courierMappings')!;
      assert.equal(
        item.textEdit && 'newText' in item.textEdit && item.textEdit.newText,
        'courierMappings:\n  - courier: ${1:AusPost}\n    carrier: ${2:Australia Post}',
      );
    });

    it('offers Starshipit courier codes and, when known, Cin7 Core carrier names', () => {
      const c = cursor('writeback:\n  courierMappings:\n    - courier: |');
      const codes = getCompletions(c.text, c.position);
      assert.ok(labels(codes).includes('AusPost') && labels(codes).includes('CouriersPlease'));
      assert.ok(doc(codes.find((i) => i.label === 'Fastways')!).includes('Aramex'));
      const k = cursor('writeback:\n  courierMappings:\n    - courier: AusPost\n      carrier: |');
      assert.deepEqual(labels(getCompletions(k.text, k.position)), []);
      assert.deepEqual(
        labels(
          getCompletions(k.text, k.position, {
            carrierNames: ['Australia Post', 'Toll: Priority'],
          }),
        ),
        ['Australia Post', 'Toll: Priority'],
      );
      const toll = getCompletions(k.text, k.position, { carrierNames: ['Toll: Priority'] })[0];
      assert.equal(
        toll.textEdit && 'newText' in toll.textEdit && toll.textEdit.newText,
        '"Toll: Priority"',
        'names that need quotes are quoted',
      );
    });

    it('offers secret references for credentials, including names the editor holds', () => {
      const { text, position } = cursor('starshipit:\n  apiKey: |');
      const items = getCompletions(text, position, { knownSecretNames: new Set(['SS_KEY']) });
      assert.deepEqual(labels(items), [
        '${secret:STARSHIPIT_API_KEY}',
        '${secret:SS_KEY}',
        '${env:STARSHIPIT_API_KEY}',
      ]);
    });
  });

  describe('hover', () => {
    const text = `${VALID}writeback:\n  when: dispatched\n  courierMappings:\n    - courier: Fastways\n      carrier: Aramex\n`;
    const parsed = parseSettings(text);
    const value = (h: ReturnType<typeof getHover>) => (h?.contents as MarkupContent).value;

    it('shows the markdown docs and default of a key', () => {
      const h = getHover(parseSettings('dear:\n  apiVersion: 2\n'), { line: 1, character: 4 });
      assert.ok(value(h).startsWith('**dear.apiVersion**'));
      assert.ok(value(h).includes('Only 2 is supported'));
      assert.ok(value(h).includes('Default: `2`'));
      assert.deepEqual(h?.range, {
        start: { line: 1, character: 2 },
        end: { line: 1, character: 12 },
      });
    });

    it('shows the description of an enum value', () => {
      const h = getHover(parsed, { line: 9, character: 10 });
      assert.ok(value(h).includes('`dispatched`: Only once the order is dispatched'), value(h));
    });

    it('explains how import.statuses matches Advanced sales, on the key and on a stage value', () => {
      const doc = parseSettings('import:\n  statuses: [ORDERED, PICKED]\n');
      const key = value(getHover(doc, { line: 1, character: 4 }));
      assert.ok(key.startsWith('**import.statuses**'), key);
      assert.match(key, /Advanced sale stays `ORDERED`/);
      assert.match(key, /pick authorised = `PICKED`/);
      const picked = value(getHover(doc, { line: 1, character: 22 }));
      assert.match(picked, /`PICKED`: Picked\. A simple-sale status; an Advanced sale/, picked);
    });

    it('names list-entry settings with [] in the title', () => {
      const h = getHover(parsed, { line: 11, character: 9 });
      assert.ok(value(h).startsWith('**writeback.courierMappings[].courier**'), value(h));
    });

    it('names the carrier behind a courier code', () => {
      const h = getHover(parsed, { line: 11, character: 18 });
      assert.ok(value(h).includes('`Fastways`: Aramex'), value(h));
    });

    it('explains a secret reference without showing any value', () => {
      const h = getHover(parsed, { line: 2, character: 14 });
      assert.ok(value(h).includes('SecretStorage as `DEAR_API_KEY`'));
    });

    it('returns nothing outside any setting', () => {
      assert.equal(getHover(parseSettings('# just a comment\n'), { line: 0, character: 3 }), null);
    });
  });

  it('document symbols outline the sections, settings and mappings', () => {
    const symbols = getDocumentSymbols(
      parseSettings(readFileSync('samples/dear-starshipit.yaml', 'utf8')),
    );
    assert.deepEqual(
      symbols.map((s) => s.name),
      ['dear', 'starshipit', 'import', 'warehouses', 'writeback', 'engine', 'service', 'alerts'],
    );
    const writeback = symbols.find((s) => s.name === 'writeback')!;
    const mappings = writeback.children!.find((c) => c.name === 'courierMappings')!;
    assert.deepEqual(
      mappings.children!.map((c) => c.name),
      ['AusPost', 'StarTrack'],
    );
    const dear = symbols[0];
    assert.equal(dear.children!.find((c) => c.name === 'apiKey')!.detail, '${secret:DEAR_API_KEY}');
    assert.equal(dear.selectionRange.start.line, dear.range.start.line);
    const plain = getDocumentSymbols(parseSettings('dear:\n  apiKey: hunter2\n'));
    assert.equal(
      plain[0].children![0].detail,
      '(plain text)',
      'a plain-text secret is never echoed in the outline',
    );
  });

  it("code actions turn the matching diagnostic's fixes into quick fixes", () => {
    const text = VALID.replace('${secret:DEAR_API_KEY}', 'abc-123');
    const { diagnostics } = analyze(text, { env: {} });
    const d = diagnostics.find((x) => x.code === 'plain-text-secret')!;
    const lspDiag = { range: d.range, code: d.code, message: d.message, severity: d.severity };
    const actions = getCodeActions('file:///x/dear-starshipit.yaml', diagnostics, d.range, [
      lspDiag,
    ]);
    assert.equal(actions.length, 1);
    assert.equal(actions[0].kind, 'quickfix');
    assert.equal(actions[0].isPreferred, true);
    assert.deepEqual(actions[0].edit, {
      changes: {
        'file:///x/dear-starshipit.yaml': [{ range: d.range, newText: '${secret:DEAR_API_KEY}' }],
      },
    });
    assert.deepEqual(actions[0].command, {
      title: 'Store the secret',
      command: 'dear.setCredentials',
      arguments: ['DEAR_API_KEY'],
    });
    // Without client diagnostics (some clients send none), everything overlapping the range counts.
    assert.equal(getCodeActions('file:///x', diagnostics, d.range, []).length, 1);
    assert.equal(
      getCodeActions(
        'file:///x',
        diagnostics,
        { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
        [],
      ).length,
      0,
    );
  });

  it('code lenses on the first line name the run commands with the document URI', () => {
    const lenses = getCodeLenses('file:///w/dear-starshipit.yaml');
    assert.deepEqual(
      lenses.map((l) => [
        l.command?.command,
        l.command?.title,
        l.command?.arguments,
        l.range.start.line,
      ]),
      [
        ['dear.previewImport', 'Preview import (dry run)', ['file:///w/dear-starshipit.yaml'], 0],
        ['dear.importNow', 'Import now', ['file:///w/dear-starshipit.yaml'], 0],
        ['dear.writebackNow', 'Write back now', ['file:///w/dear-starshipit.yaml'], 0],
      ],
    );
  });
});
