/**
 * The endpoint rule, in one place for the engine, the settings diagnostics and the carrier lookup:
 * credentials travel over https anywhere, and over plain http only to this machine (the sandbox).
 */

/** Whether `url`'s host is this machine (localhost, 127.x.x.x or ::1), whatever the protocol. */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

/** Whether credentials may be sent to `url`: https, or http to a loopback host. */
export function isAllowedEndpoint(url: string): boolean {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return false;
  }
  return protocol === 'https:' || (protocol === 'http:' && isLoopbackUrl(url));
}
