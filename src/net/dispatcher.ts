// The core owns networking: one undici dispatcher per connection definition, built
// from its proxy settings, pooled with keep-alive, closed when the definition
// changes or goes away. Plugins never build their own agents.
import { Agent, ProxyAgent, Socks5ProxyAgent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { readFileSync } from 'node:fs';
import { normaliseProxy, type ProxySettings } from './proxy-check.ts';

export interface TransportSettings {
  proxy?: unknown;
  /** Connect and header timeout, seconds. */
  timeoutSeconds?: number;
}

/** Builds a dispatcher for the given settings. */
export function createDispatcher(settings: TransportSettings, env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const proxy = normaliseProxy(settings.proxy);
  const timeoutMs = (settings.timeoutSeconds ?? 60) * 1000;
  // headersTimeout bounds a stalled server; bodyTimeout counts between chunks, so a
  // slow but moving multi-GiB transfer is never cut off by a whole-request limit.
  const base = {
    connect: { timeout: Math.min(timeoutMs, 30_000) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  };
  switch (proxy.type) {
    case 'none':
      return new Agent(base);
    case 'system':
      return new EnvHttpProxyAgent({
        ...base,
        httpProxy: env.http_proxy ?? env.HTTP_PROXY,
        httpsProxy: env.https_proxy ?? env.HTTPS_PROXY,
        noProxy: proxy.noProxy?.join(',') ?? env.no_proxy ?? env.NO_PROXY,
      });
    case 'http':
    case 'https':
      return new ProxyAgent({
        ...base,
        uri: `${proxy.type}://${proxy.host}:${proxy.port}`,
        token: proxy.username !== undefined ? basic(proxy) : undefined,
        // undici's docs say false but its code defaults to true; be explicit.
        proxyTunnel: proxy.proxyTunnel ?? true,
        proxyTls: proxy.ca ? { ca: readFileSync(proxy.ca) } : undefined,
      });
    case 'socks5':
      return new Socks5ProxyAgent(`socks5://${proxy.host}:${proxy.port}`, {
        headersTimeout: base.headersTimeout,
        bodyTimeout: base.bodyTimeout,
        keepAliveTimeout: base.keepAliveTimeout,
        username: proxy.username,
        password: proxy.password,
      });
    default:
      throw new Error(`proxy type '${proxy.type}' is not supported`);
  }
}

function basic(p: ProxySettings): string {
  return `Basic ${Buffer.from(`${p.username}:${p.password ?? ''}`).toString('base64')}`;
}

/** Caches one dispatcher per connection name; a changed definition gets a fresh one. */
export class DispatcherPool {
  private readonly byName = new Map<string, { key: string; dispatcher: Dispatcher }>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  get(name: string, settings: TransportSettings): Dispatcher {
    const key = JSON.stringify([settings.proxy ?? null, settings.timeoutSeconds ?? null]);
    const cur = this.byName.get(name);
    if (cur && cur.key === key) return cur.dispatcher;
    if (cur) void cur.dispatcher.close().catch(() => {});
    const dispatcher = createDispatcher(settings, this.env);
    this.byName.set(name, { key, dispatcher });
    return dispatcher;
  }

  /** Closes dispatchers of connections no longer defined. */
  retain(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const [name, cur] of this.byName) {
      if (!keep.has(name)) {
        void cur.dispatcher.close().catch(() => {});
        this.byName.delete(name);
      }
    }
  }

  async close(): Promise<void> {
    const all = [...this.byName.values()];
    this.byName.clear();
    await Promise.all(all.map((c) => c.dispatcher.close().catch(() => {})));
  }
}
