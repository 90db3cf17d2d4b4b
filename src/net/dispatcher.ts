// The core owns networking: one undici dispatcher per connection definition, built
// from its proxy settings, pooled with keep-alive, closed once the definition has
// changed or gone and no run uses it. Plugins never build their own agents.
import { readFileSync } from 'node:fs';
import { normaliseProxy, proxyProblems, type ProxySettings } from './proxy-check.ts';
import { labelDispatcher } from './net-errors.ts';
import { dispatcherClasses, type Dispatcher } from './undici.ts';

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
  const { Agent, ProxyAgent, Socks5ProxyAgent, EnvHttpProxyAgent } = dispatcherClasses();
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
 * One dispatcher per connection definition version (the key the caller gives), built
 * on first use. The pool never decides when one goes: the connection cache
 * (src/scheduler/connections.ts) owns a version's client and dispatcher together and
 * closes the dispatchers of versions nothing uses any more. A job may be half-way
 * through a 2-hour upload on an old version, and undici fails new requests on a
 * closed dispatcher.
 */
export class DispatcherPool {
  private readonly byKey = new Map<string, Dispatcher>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  get(key: string, settings: TransportSettings): Dispatcher {
    let d = this.byKey.get(key);
    if (!d) this.byKey.set(key, (d = createDispatcher(settings, this.env)));
    return d;
  }

  /** Closes (gracefully: in-flight requests finish) every dispatcher whose key is not in `keep`. */
  closeExcept(keep: ReadonlySet<string>): void {
    for (const [key, d] of this.byKey) {
      if (keep.has(key)) continue;
      this.byKey.delete(key);
      void d.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    const all = [...this.byKey.values()];
    this.byKey.clear();
    await Promise.all(all.map((d) => d.close().catch(() => {})));
  }
}
