// A proxy that rejects our credentials may answer the request itself instead of
// failing the tunnel (always so without a tunnel, where every request goes to the
// proxy; tinyproxy answers a bad BasicAuth with an HTML 401). That page must read as
// the proxy's refusal, never as Dropbox's answer. Dropbox's own 401s are JSON.
import type { Dispatcher } from 'undici';
import { proxyAuthMessage, proxyOf } from '../../../src/plugin.ts';

/** The one line naming the proxy when this response is its refusal; undefined when it is Dropbox's. */
export function proxyRefusal(d: Dispatcher, status: number, contentType: string | undefined): string | undefined {
  const proxy = proxyOf(d);
  if (proxy && (status === 407 || (status === 401 && !contentType?.includes('json'))))
    return proxyAuthMessage(proxy, status);
  return undefined;
}
