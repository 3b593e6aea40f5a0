/**
 * The one redaction rule every process applies (engine, language server, VS Code client): a secret
 * value is replaced by `•••` wherever it appears as written, URL-encoded, JSON-escaped or base64
 * (padded or not) — the forms a vendor error body or a log line may quote it in. Values shorter than
 * 4 characters are not redacted (they would mangle ordinary text and are not real credentials).
 */
export const REDACTED = '•••';

/** Every form of each value to look for, longest first (so a longer form is replaced whole). */
export function secretForms(values: Iterable<string>): string[] {
  const forms = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string' || value.length < 4) continue;
    forms.add(value);
    forms.add(encodeURIComponent(value));
    forms.add(JSON.stringify(value).slice(1, -1));
    const b64 = Buffer.from(value, 'utf8').toString('base64');
    forms.add(b64);
    forms.add(b64.replace(/=+$/, ''));
  }
  return [...forms].filter((f) => f.length >= 4).sort((a, b) => b.length - a.length);
}

/** A function that redacts the given values from any text (forms computed once). */
export function redactor(values: Iterable<string>): (text: string) => string {
  const forms = secretForms(values);
  return (text: string): string => {
    let out = text;
    for (const f of forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
    return out;
  };
}

/** Redacts the given values from `text`. */
export function redactSecrets(text: string, values: Iterable<string>): string {
  return redactor(values)(text);
}
