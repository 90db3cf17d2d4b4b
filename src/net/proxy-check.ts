// Proxy kinds undici cannot speak, and settings that can never connect (a host that is
// a URL, a CA file that is not there), are rejected at load time with what to use instead.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface ProxySettings {
  type: 'none' | 'system' | 'http' | 'https' | 'socks5' | 'socks4' | 'ntlm' | 'digest';
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  auth?: 'basic' | 'ntlm' | 'digest';
  domain?: string;
  proxyTunnel?: boolean;
  noProxy?: string[];
  ca?: string;
}

/** `proxy: system` and `proxy: {type: system}` are the same thing. */
export function normaliseProxy(p: unknown): ProxySettings {
  if (p === undefined || p === null || p === 'none') return { type: 'none' };
  if (p === 'system') return { type: 'system' };
  return p as ProxySettings;
}

/** Problems as [path relative to the proxy key, message]. */
export function proxyProblems(raw: unknown): Array<[string, string]> {
  const p = normaliseProxy(raw);
  const out: Array<[string, string]> = [];
  if (p.type === 'socks4')
    out.push([
      'type',
      'SOCKS4 is not supported (the HTTP client has no SOCKS4); use socks5, which every SOCKS4 server upgrade offers, or an HTTP proxy',
    ]);
  if (p.type === 'ntlm' || p.auth === 'ntlm')
    out.push([
      p.type === 'ntlm' ? 'type' : 'auth',
      'NTLM proxy authentication is not supported; use Basic credentials over an https proxy, or run a local NTLM relay (e.g. cntlm) and point dropcron at it as an http proxy',
    ]);
  if (p.type === 'digest' || p.auth === 'digest')
    out.push([
      p.type === 'digest' ? 'type' : 'auth',
      'Digest proxy authentication is not supported; use Basic credentials (over an https proxy to keep them private)',
    ]);
  if (p.domain !== undefined) out.push(['domain', 'a proxy domain is only used by NTLM, which is not supported']);
  if (['http', 'https', 'socks5'].includes(p.type)) {
    if (!p.host) out.push(['host', `is required for a ${p.type} proxy`]);
    else {
      const bad = hostProblem(p.host);
      if (bad) out.push(['host', bad]);
    }
    if (!p.port) out.push(['port', `is required for a ${p.type} proxy`]);
    if (p.password !== undefined && !p.username) out.push(['username', 'is required when a proxy password is set']);
  }
  if (p.ca !== undefined) {
    const bad = caProblem(p.ca);
    if (bad) out.push(['ca', bad]);
  }
  return out;
}

function hostProblem(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) || /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/.test(host)) return undefined;
  let url: URL | undefined;
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? new URL(host) : undefined;
  } catch {
    url = undefined;
  }
  if (url?.hostname)
    return `must be a host name or IP address, not a URL: use host: ${url.hostname}${url.port ? ` and port: ${url.port}` : ''}`;
  // The value is not echoed: a mistyped 'user:password@host' would put the password in logs.
  return 'must be a host name or IP address (e.g. proxy.example.com or 10.0.0.1), without scheme, credentials, port or spaces';
}

const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a folder',
};

/** The dispatcher reads the CA when it is built: a missing or non-PEM file would fail every run. */
function caProblem(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    const why = READ_FAILURES[code] ?? code;
    return `cannot read ${path} (${why}); give the PEM file of the CA that signed the proxy's certificate`;
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    return `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----); a DER file converts with: openssl x509 -inform der -in ${path} -out ca.pem`;
  return undefined;
}
