/**
 * Garbage-collector settings for the language-server process (both entry points call this first)
 * and for a CLI run (`import`, `writeback`, `sync`, `retry`).
 *
 * Each analysis of a large settings file allocates a new YAML tree and drops the previous one. With
 * V8's defaults the young generation grows to 32 MB and the dropped trees pile up in the old
 * generation until it doubles, so a 1,000-line file held ~60 MB more than the server needs. Keeping
 * the young generation at its start size and collecting the old one after 20 % growth bounds that
 * at a few MB; collection of a heap this small takes a few milliseconds.
 *
 * A run reads every candidate sale in detail and drops it once its order is built: it keeps
 * little (after a full collection the heap of a 100,000-sale dry run stays near 20 MB), but it
 * allocates fast, and with the defaults the young generation and the old generation's growth
 * headroom took the process to about 200 MB resident. The same two flags keep it near 115 MB at
 * the same speed (`npm run bench`, row 5).
 *
 * The flags are read by the collector each time it sizes the heap, so setting them at start-up takes
 * effect; a Node.js whose V8 does not know a flag ignores it.
 */
import { setFlagsFromString } from 'node:v8';

const LANGUAGE_SERVER_V8_FLAGS = [
  '--semi-space-growth-factor=1',
  '--heap-growing-percent=20',
] as const;

export function tuneHeapForLanguageServer(): void {
  for (const flag of LANGUAGE_SERVER_V8_FLAGS) setFlagsFromString(flag);
}

export function tuneHeapForRuns(): void {
  for (const flag of LANGUAGE_SERVER_V8_FLAGS) setFlagsFromString(flag);
}
