/**
 * The requests with which the client has settings text read or edited instead of parsing YAML
 * itself (protocol/lsp.ts): each delegates to the config core (config/settingsEdits.ts).
 */
import type { Connection } from 'vscode-languageserver/node';
import {
  RetargetSandboxSettingsRequest,
  SecretReferenceEditsRequest,
  SettingsReferencesRequest,
} from '../../protocol/lsp';
import {
  retargetSandboxSettings,
  secretReferenceEdits,
  settingsReferences,
} from './config/settingsEdits';

export function registerSettingsEditHandlers(connection: Connection): void {
  connection.onRequest(SettingsReferencesRequest.type, (params) => settingsReferences(params.text));
  connection.onRequest(SecretReferenceEditsRequest.type, (params) => secretReferenceEdits(params));
  connection.onRequest(RetargetSandboxSettingsRequest.type, (params) => ({
    text: retargetSandboxSettings(params.text, params.endpoints),
  }));
}
