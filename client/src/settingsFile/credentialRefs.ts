/**
 * The credential references of a settings file and the edits that write one, asked of the
 * language server (it owns the settings language; the client never parses YAML), plus the
 * standard secret names Dear: Set Credentials… offers.
 */
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  SecretReferenceEditsRequest,
  SettingsReferencesRequest,
  type SettingsTextEdit,
} from '../../../protocol/lsp';

/** The standard names Dear: Set Credentials… offers when the file references none. */
export const STANDARD_SECRETS: readonly { name: string; path: [string, string]; label: string }[] =
  [
    { name: 'DEAR_ACCOUNT_ID', path: ['dear', 'accountId'], label: 'Cin7 Core Account ID' },
    { name: 'DEAR_API_KEY', path: ['dear', 'apiKey'], label: 'Cin7 Core Application Key' },
    { name: 'STARSHIPIT_API_KEY', path: ['starshipit', 'apiKey'], label: 'Starshipit API key' },
    {
      name: 'STARSHIPIT_SUBSCRIPTION_KEY',
      path: ['starshipit', 'subscriptionKey'],
      label: 'Starshipit subscription key',
    },
  ];

/** Every referenced name in file order, where each secret is set, and `dear.apiVersion`. */
export function settingsReferences(
  client: LanguageClient,
  text: string,
): Promise<SettingsReferencesRequest.Result> {
  return client.sendRequest(SettingsReferencesRequest.type, { text });
}

/** The edits that write `"${secret:NAME}"` into each setting; throws why the file cannot be edited. */
export async function secretReferenceEdits(
  client: LanguageClient,
  text: string,
  refs: { path: [string, string]; name: string }[],
): Promise<SettingsTextEdit[]> {
  const result = await client.sendRequest(SecretReferenceEditsRequest.type, { text, refs });
  if (result.error) throw new Error(result.error);
  return result.edits;
}
