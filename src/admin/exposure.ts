// Where the admin server can be reached from, and what that demands: bound to loopback
// it is plain http for this machine only; bound to any other address the password and
// session cookie cross a network, so it must serve TLS itself or sit behind a TLS proxy
// that names its public address. Also the host names it answers to (DNS rebinding).
import { hostname, networkInterfaces } from 'node:os';
import type { DaemonConfig } from '../config/types.ts';

type AdminSettings = DaemonConfig['admin'];

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD = new Set(['0.0.0.0', '::', '']);

export function isLoopback(host: string): boolean {
  return host === 'localhost' || /^(::ffff:)?127\./.test(host) || host === '::1' || host === '[::1]';
}

/** Why the admin server must not start with these settings (one line), or undefined. */
export function exposureProblem(admin: AdminSettings): string | undefined {
  if (isLoopback(admin.host) || admin.tls) return undefined;
  if (admin.trustProxy && admin.publicUrl?.startsWith('https://')) return undefined;
  const where = `admin.host is ${admin.host || "''"}, reachable from other machines`;
  if (admin.trustProxy && admin.publicUrl)
    return `${where}: admin.publicUrl must be the https:// address of the TLS proxy in front, not ${admin.publicUrl}`;
  return `${where}: set admin.tls (cert and key files) to serve https, or admin.trustProxy: true with an https admin.publicUrl behind a TLS proxy, or bind admin.host to 127.0.0.1`;
}

/** Whether cookies must be Secure: the browser reaches the server over https. */
export function servedOverHttps(admin: AdminSettings): boolean {
  return admin.tls !== undefined || admin.publicUrl?.startsWith('https://') === true;
}

/** `host` as it appears in a URL: IPv6 addresses in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The host names (as URL.hostname spells them) the server answers to: loopback names,
 * the bound address (every address of this machine, and its name, for a wildcard
 * bind), and the host of publicUrl. A page that points its own name at this server
 * (DNS rebinding) gets nothing.
 */
export function allowedHosts(admin: AdminSettings): Set<string> {
  const out = new Set(LOOPBACK_NAMES);
  if (admin.publicUrl) out.add(new URL(admin.publicUrl).hostname);
  if (!WILDCARD.has(admin.host)) out.add(urlHost(admin.host).toLowerCase());
  else {
    out.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) out.add(urlHost(a.address.replace(/%.*$/, '')).toLowerCase());
  }
  return out;
}

/** The origin a browser uses for this server: publicUrl, else the bound address (wildcard binds via loopback). */
export function browserOrigin(admin: AdminSettings, port: number): string {
  if (admin.publicUrl) return admin.publicUrl.replace(/\/$/, '');
  const h = WILDCARD.has(admin.host) ? (admin.host === '::' ? '[::1]' : '127.0.0.1') : urlHost(admin.host);
  return `${admin.tls ? 'https' : 'http'}://${h}:${port}`;
}
