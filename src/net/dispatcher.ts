// The core owns networking: one undici dispatcher per connection definition, built
// from its proxy settings, pooled with keep-alive, closed when the definition
// changes or goes away. Plugins never build their own agents.
import { Agent, ProxyAgent, Socks5ProxyAgent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { readFileSync } from 'node:fs';
import { normaliseProxy, proxyProblems, type ProxySettings } from './proxy-check.ts';
import { labelDispatcher } from './net-errors.ts';

export interface TransportSettings {
  proxy?: unknown;
  /** Connect and header timeout, seconds. */
  timeoutSeconds?: number;
}

/** Builds a dispatcher for the given settings. */
export function createDispatcher(settings: TransportSettings, env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const proxy = normaliseProxy(settings.proxy);
  // The loader rejects these already; a direct caller gets the same message, not an undici one.
  const problems = proxyProblems(proxy);
  if (problems.length) throw new Error(`proxy ${problems.map(([k, m]) => `${k}: ${m}`).join('; ')}`);
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
    case 'system': {
      // Only `env` counts (not process.env behind its back): '' means "no proxy" to undici.
      const httpProxy = env.http_proxy ?? env.HTTP_PROXY ?? '';
      const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY ?? httpProxy;
      const d = new EnvHttpProxyAgent({
        ...base,
        httpProxy,
        httpsProxy,
        noProxy: proxy.noProxy?.join(',') ?? env.no_proxy ?? env.NO_PROXY ?? '',
      });
      const shown = httpsProxy || httpProxy;
      if (shown) {
        const u = safeUrl(shown);
        if (u) labelDispatcher(d, { label: `system proxy ${u.host}`, host: u.hostname, port: Number(u.port) || 80 });
      }
      return d;
    }
    case 'http':
    case 'https': {
      const d = new ProxyAgent({
        ...base,
        uri: `${proxy.type}://${hostPort(proxy)}`,
        token: proxy.username !== undefined ? basic(proxy) : undefined,
        // undici's docs say false but its code defaults to true; be explicit.
        proxyTunnel: proxy.proxyTunnel ?? true,
        proxyTls: proxy.ca ? { ca: readFileSync(proxy.ca) } : undefined,
      });
      return labelDispatcher(d, { label: describe(proxy), host: proxy.host!, port: proxy.port! });
    }
    case 'socks5': {
      const agent = new Socks5ProxyAgent(`socks5://${hostPort(proxy)}`, {
        username: proxy.username,
        password: proxy.password,
      });
      // undici 7.30's Socks5ProxyAgent builds its per-origin Pools without the
      // constructor's timeouts, so they are set on every request instead.
      const d = agent.compose(
        (dispatch) => (opts, handler) =>
          dispatch(
            {
              ...opts,
              headersTimeout: opts.headersTimeout ?? base.headersTimeout,
              bodyTimeout: opts.bodyTimeout ?? base.bodyTimeout,
            },
            handler,
          ),
      );
      return labelDispatcher(d, { label: describe(proxy), host: proxy.host!, port: proxy.port! });
    }
    default:
      throw new Error(`proxy type '${proxy.type}' is not supported`);
  }
}

function hostPort(p: ProxySettings): string {
  const host = p.host!.includes(':') && !p.host!.startsWith('[') ? `[${p.host}]` : p.host!;
  return `${host}:${p.port}`;
}

/** "http proxy 127.0.0.1:3128 (user svc)": what error messages name; never the password. */
function describe(p: ProxySettings): string {
  return `${p.type} proxy ${hostPort(p)}${p.username ? ` (user ${p.username})` : ''}`;
}

function safeUrl(s: string): URL | undefined {
  try {
    return new URL(s.includes('://') ? s : `http://${s}`);
  } catch {
    return undefined;
  }
}

function basic(p: ProxySettings): string {
  return `Basic ${Buffer.from(`${p.username}:${p.password ?? ''}`).toString('base64')}`;
}

/**
 * Caches one dispatcher per connection name; a changed definition gets a fresh one.
 * The old one is retired, not closed: a job may be half-way through a 2-hour upload
 * on it, and undici fails new requests on a closed dispatcher. The owner of the
 * clients (the scheduler's connection cache) calls closeRetired() once the runs
 * using the old definition have finished.
 */
export class DispatcherPool {
  private readonly byName = new Map<string, { key: string; dispatcher: Dispatcher }>();
  private readonly retired = new Map<string, Set<Dispatcher>>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  get(name: string, settings: TransportSettings): Dispatcher {
    const key = JSON.stringify([settings.proxy ?? null, settings.timeoutSeconds ?? null]);
    const cur = this.byName.get(name);
    if (cur && cur.key === key) return cur.dispatcher;
    if (cur) this.retire(name, cur.dispatcher);
    const dispatcher = createDispatcher(settings, this.env);
    this.byName.set(name, { key, dispatcher });
    return dispatcher;
  }

  /** Retires dispatchers of connections no longer defined. */
  retain(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const [name, cur] of this.byName) {
      if (!keep.has(name)) {
        this.retire(name, cur.dispatcher);
        this.byName.delete(name);
      }
    }
  }

  /** Closes (gracefully: in-flight requests finish) the retired dispatchers of a connection. */
  closeRetired(name: string): void {
    const old = this.retired.get(name);
    this.retired.delete(name);
    for (const d of old ?? []) void d.close().catch(() => {});
  }

  async close(): Promise<void> {
    const all = [...this.byName.values()].map((c) => c.dispatcher);
    for (const set of this.retired.values()) all.push(...set);
    this.byName.clear();
    this.retired.clear();
    await Promise.all(all.map((d) => d.close().catch(() => {})));
  }

  private retire(name: string, d: Dispatcher): void {
    let set = this.retired.get(name);
    if (!set) this.retired.set(name, (set = new Set()));
    set.add(d);
  }
}
