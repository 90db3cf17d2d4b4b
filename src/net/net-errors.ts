// Turns undici's network and proxy failures into one line a person can act on,
// naming the proxy when one is in the way, never an undici stack.
import type { Dispatcher } from 'undici';

export interface ProxyLabel {
  /** e.g. "http proxy 127.0.0.1:3128 (user svc)". No password. */
  label: string;
  host: string;
  port: number;
}

const labels = new WeakMap<Dispatcher, ProxyLabel>();

export function labelDispatcher(d: Dispatcher, label: ProxyLabel): Dispatcher {
  labels.set(d, label);
  return d;
}

export function proxyOf(d: Dispatcher): ProxyLabel | undefined {
  return labels.get(d);
}

export interface NetworkFailure {
  message: string;
  /** The proxy refused or could not be reached (see `transient` for whether retrying may help). */
  proxy: boolean;
  /** Worth retrying (reset, timeout, refused by the target). */
  transient: boolean;
  /** The proxy rejected the credentials: the message already says to check them. */
  badCredentials?: boolean;
  code?: string;
}

export function describeNetworkFailure(err: unknown, d: Dispatcher, target: string): NetworkFailure {
  const e = err as {
    code?: string;
    message?: string;
    port?: number;
    address?: string;
    cause?: { code?: string; message?: string };
  };
  const code = e?.code ?? e?.cause?.code;
  const msg = String(e?.message ?? err);
  const proxy = proxyOf(d);
  if (proxy) {
    const status = /Proxy (?:response|Authentication Required)\D*\((\d{3})\)/.exec(msg)?.[1];
    // tinyproxy answers a bad BasicAuth with 401, others with 407.
    if (status === '407' || status === '401' || code?.startsWith('UND_ERR_SOCKS5_AUTH')) {
      return { message: proxyAuthMessage(proxy, status), proxy: true, transient: false, badCredentials: true, code };
    }
    if (status) {
      return {
        message: `the ${proxy.label} refused to connect to ${target} (HTTP ${status})`,
        proxy: true,
        transient: false,
        code,
      };
    }
    if (code?.startsWith('UND_ERR_SOCKS5')) {
      return { message: `the ${proxy.label} failed: ${msg}`, proxy: true, transient: false, code };
    }
    if (
      (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') &&
      (e.port === undefined || e.port === proxy.port)
    ) {
      // A proxy that refuses the connection is most often restarting: worth the same
      // retries as a refused target. A name that does not resolve is a setting to fix.
      const transient = code !== 'ENOTFOUND';
      return { message: `cannot reach the ${proxy.label}: ${code}`, proxy: true, transient, code };
    }
  }
  const via = proxy ? ` via the ${proxy.label}` : '';
  const transient =
    code === undefined ||
    /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|EAI_AGAIN|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|UND_ERR_CLOSED|UND_ERR_ABORTED|UND_ERR_RES_CONTENT_LENGTH_MISMATCH)$/.test(
      code,
    );
  return {
    message: `network error talking to ${target}${via}: ${code ? `${code} ` : ''}${msg.split('\n')[0]}`,
    proxy: false,
    transient,
    code,
  };
}

export function proxyAuthMessage(proxy: ProxyLabel, status?: string | number): string {
  return `the ${proxy.label} rejected the credentials${status ? ` (HTTP ${status})` : ''}; check the proxy username and password`;
}
