/**
 * Garbage-collector settings for the language-server process (both entry points call this first).
 *
 * Each analysis of a large settings file allocates a new YAML tree and drops the previous one. With
 * V8's defaults the young generation grows to 32 MB and the dropped trees pile up in the old
 * generation until it doubles, so a 1,000-line file held ~60 MB more than the server needs. Keeping
 * the young generation at its start size and collecting the old one after 20 % growth bounds that
 * at a few MB; collection of a heap this small takes a few milliseconds.
 *
 * The flags are read by the collector each time it sizes the heap, so setting them at start-up takes
 * effect; a Node.js whose V8 does not know a flag ignores it.
 */
import { setFlagsFromString } from 'node:v8';

export const LANGUAGE_SERVER_V8_FLAGS = [
  '--semi-space-growth-factor=1',
  '--heap-growing-percent=20',
] as const;

export function tuneHeapForLanguageServer(): void {
  for (const flag of LANGUAGE_SERVER_V8_FLAGS) setFlagsFromString(flag);
}
