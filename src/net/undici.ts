// The parts of undici dropcron uses, each required from its own file when first used.
// undici's index requires all of undici (fetch, WebSocket, caches, mocks: 110 modules,
// and Node's own bundled copy of undici through them): about 60 ms of CPU that `dropcron
// run` paid before its first request, and a daemon at every start though it makes no
// request until a job fires. These files are 37 of those modules. undici has no
// `exports` map, so its files are reachable; the version is pinned in package.json, and
// test/net/undici-parts.test.ts fails if a file moves or stops being undici's own class.
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

let prepared = false;
/** undici's lib/<file>, after what its index does first. */
function undiciFile<T>(file: string): T {
  if (!prepared) {
    // The index makes its request API (request, stream, pipeline, upgrade, connect) methods
    // of every dispatcher, and undici relies on it: ProxyAgent opens its tunnel with `connect`.
    const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
    Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js'));
    prepared = true;
  }
  return require(`undici/lib/${file}`) as T;
}

export type { Dispatcher } from 'undici';

/** undici's dispatcher classes, required on first use. */
export function dispatcherClasses(): Pick<
  typeof Undici,
  'Agent' | 'ProxyAgent' | 'Socks5ProxyAgent' | 'EnvHttpProxyAgent'
> {
  return {
    Agent: undiciFile('dispatcher/agent.js'),
    ProxyAgent: undiciFile('dispatcher/proxy-agent.js'),
    Socks5ProxyAgent: undiciFile('dispatcher/socks5-proxy-agent.js'),
    EnvHttpProxyAgent: undiciFile('dispatcher/env-http-proxy-agent.js'),
  };
}

type RequestFn = (
  this: Undici.Dispatcher,
  opts: Undici.Dispatcher.RequestOptions,
) => Promise<Undici.Dispatcher.ResponseData>;

/**
 * undici's `request(url, options)`: what its index builds from lib/api/api-request.js
 * (the URL split into origin and path, the method's default, the global dispatcher when
 * none is given), without the rest of its index.
 */
export function request(
  url: string | URL,
  opts: Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> &
    Partial<Pick<Undici.Dispatcher.RequestOptions, 'method'>> & { dispatcher?: Undici.Dispatcher } = {},
): Promise<Undici.Dispatcher.ResponseData> {
  const api = undiciFile<RequestFn>('api/api-request.js');
  const u = undiciFile<{ parseURL(url: string | URL): URL }>('core/util.js').parseURL(url);
  const { dispatcher = undiciFile<typeof Undici>('global.js').getGlobalDispatcher(), ...rest } = opts;
  return api.call(dispatcher, {
    ...rest,
    origin: u.origin,
    path: u.search ? `${u.pathname}${u.search}` : u.pathname,
    method: opts.method ?? (opts.body ? 'PUT' : 'GET'),
  });
}
