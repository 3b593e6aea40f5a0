/** The Cin7 Core API versions the engine can drive; the refusal text is shared with the editor. */
import { API_V1_UNSUPPORTED, type DearSettings } from '../../../protocol/settings';
import { ConfigurationError } from './errors';

/** Throws the same words the language server's `api-v1-unsupported` diagnostic shows. */
export function refuseUnsupportedApiVersion(settings: DearSettings): void {
  if (settings.dear.apiVersion === 1) throw new ConfigurationError(API_V1_UNSUPPORTED);
  if (settings.dear.apiVersion !== 2)
    throw new ConfigurationError(
      `dear.apiVersion: ${String(settings.dear.apiVersion)} is not a Cin7 Core API version (use 2)`,
    );
}
