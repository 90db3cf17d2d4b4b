// Proxy kinds undici cannot speak are rejected at load time with what to use instead.
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
    if (!p.port) out.push(['port', `is required for a ${p.type} proxy`]);
    if (p.password !== undefined && !p.username) out.push(['username', 'is required when a proxy password is set']);
  }
  return out;
}
