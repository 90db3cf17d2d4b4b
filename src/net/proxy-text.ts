// How a connection's proxy setting reads in lists (the CLI table, the admin page).
import type { ProxySettings } from './proxy-check.ts';

/** 'none', 'system', the proxy kind, or `kind host:port`; never the credentials. */
export function proxyText(proxy: ProxySettings | string | undefined): string {
  if (typeof proxy === 'string') return proxy;
  if (!proxy?.type || proxy.type === 'none') return 'none';
  if (!proxy.host) return proxy.type;
  return `${proxy.type} ${proxy.host}${proxy.port === undefined ? '' : `:${proxy.port}`}`;
}
