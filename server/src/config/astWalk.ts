/** Finds what the cursor is on in the parsed YAML: a key or a value, with its settings path. */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node, Pair } from 'yaml';
import { keyString } from './document';
import type { SettingsPath } from './types';

export interface NodeHit {
  path: SettingsPath;
  /** true when the cursor is on the key of the pair at `path`. */
  onKey: boolean;
  node: Node;
  pair?: Pair;
}

const within = (
  node: { range?: [number, number, number] | null } | null | undefined,
  offset: number,
) => !!node?.range && offset >= node.range[0] && offset <= node.range[1];

export function hitAt(root: unknown, offset: number): NodeHit | undefined {
  let node: unknown = root;
  const path: SettingsPath = [];
  for (let depth = 0; depth < 64; depth++) {
    if (isMap(node)) {
      let next: unknown;
      for (const pair of node.items) {
        const key = keyString(pair.key);
        if (key === undefined) continue;
        if (isScalar(pair.key) && within(pair.key, offset))
          return { path: [...path, key], onKey: true, node: pair.key, pair };
        if (within(pair.value as Node, offset)) {
          path.push(key);
          next = pair.value;
          if (isScalar(next)) return { path, onKey: false, node: next, pair };
          break;
        }
      }
      if (next === undefined) return undefined;
      node = next;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((it) => within(it as Node, offset));
      if (index < 0) return undefined;
      path.push(index);
      node = node.items[index];
      if (isScalar(node)) return { path, onKey: false, node };
    } else return undefined;
  }
  return undefined;
}
