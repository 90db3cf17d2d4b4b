// The HTTP front: one port for the api.dropboxapi.com, content.dropboxapi.com and
// www.dropbox.com routes. Applies latency and faults, parses arguments by stone's
// rules, authenticates, runs the route and writes the answer; logs every request.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ArgError, VOID, headerSafeJson } from './args.ts';
import { resolveCaller } from './caller.ts';
import { ApiError, ConnectionDropped, authError, badRequest, rateLimited, serverError, tag } from './errors.ts';
import { Io } from './http-io.ts';
import { serveLink } from './links.ts';
import { handleOAuth } from './oauth.ts';
import { tooManyWrites, type Call, type RouteDef, type State } from './state.ts';
import { serveUploadLink } from './upload-links.ts';

export interface RequestRecord {
  at: number;
  method: string;
  route: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  headers: Record<string, string>;
}

export interface ServerDeps {
  st: State;
  routes: Map<string, RouteDef>;
  requests: RequestRecord[];
  log?: (line: object) => void;
}

/** Keeps the request log bounded so long benchmarks stay flat in memory. */
const MAX_RECORDS = 10_000;
const MAX_RPC_BODY = 16 * 1024 * 1024;

/** www.dropbox.com/1/oauth2/authorize and api.dropboxapi.com/1/oauth2/token. */
const LEGACY_OAUTH = new Set(['/1/oauth2/authorize', '/1/oauth2/token']);

/** The Server header of every answer. */
export const SANDBOX_SERVER = 'dropcron-sandbox';

export function requestHandler(deps: ServerDeps) {
  return (req: IncomingMessage, res: ServerResponse) => {
    void handle(deps, req, res);
  };
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { st } = deps;
  const at = Date.now();
  const url = new URL(req.url ?? '/', 'http://emulator');
  const route = url.pathname.startsWith('/2/') ? url.pathname.slice(3) : url.pathname.slice(1);
  // Dropbox still serves the pre-v2 OAuth paths as aliases; the log keeps the path called.
  if (LEGACY_OAUTH.has(url.pathname)) url.pathname = url.pathname.slice(2);
  const io = new Io(req, res, st.faults);
  // A client that resets mid-request must not raise an unhandled 'error'.
  req.on('error', () => undefined);
  res.on('error', () => undefined);
  res.setHeader('X-Dropbox-Request-Id', randomBytes(16).toString('hex'));
  // Lets a second dropcron process recognise a sandbox already on the port (sandbox.ts).
  res.setHeader('Server', SANDBOX_SERVER);
  let recorded = false;
  const record = () => {
    if (recorded) return;
    recorded = true;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = k === 'authorization' ? '[REDACTED]' : String(v);
    const rec: RequestRecord = {
      at,
      method: req.method ?? '',
      route,
      status: io.dropped ? 0 : res.statusCode,
      bytesIn: io.bytesIn,
      bytesOut: io.bytesOut,
      headers,
    };
    deps.requests.push(rec);
    if (deps.requests.length > MAX_RECORDS) deps.requests.splice(0, deps.requests.length - MAX_RECORDS);
    deps.log?.({
      msg: 'request',
      method: rec.method,
      route,
      status: rec.status,
      bytesIn: rec.bytesIn,
      bytesOut: rec.bytesOut,
      ms: Date.now() - at,
    });
  };
  // Recorded before the answer's last byte leaves, so a client that got its answer finds it
  // in the log; dropped and aborted requests are recorded when the socket closes.
  io.onComplete = record;
  res.on('close', record);

  try {
    const isApi = url.pathname.startsWith('/2/');
    const isToken = url.pathname === '/oauth2/token';
    let forceExpired = false;
    if (isApi || isToken) {
      const latency = st.faults.settings.latencyMs ?? 0;
      if (latency > 0) await sleep(latency);
      const fault = st.faults.take(route);
      if (fault) {
        if ('status' in fault) throw serverError(fault.status);
        if ('rateLimit' in fault) throw rateLimited('too_many_requests', fault.rateLimit);
        if ('tooManyWriteOperations' in fault) throw tooManyWrites(route);
        if ('dropAfterBytes' in fault) io.dropAfter = fault.dropAfterBytes;
        if ('expiredToken' in fault) forceExpired = true;
      }
      const failure = st.faults.randomFailure();
      if (failure) throw serverError(failure);
    }
    if (isApi) return await api(deps, route, url, req, res, io, forceExpired);
    if (url.pathname.startsWith('/oauth2/')) return await handleOAuth(st, url, req, io);
    if (await serveLink(st, url, req, io)) return;
    if (await serveUploadLink(st, url, req, io)) return;
    if (url.pathname === '/' && req.method === 'GET') {
      return await io.send(
        200,
        { 'Content-Type': 'text/plain; charset=utf-8' },
        'dropcron Dropbox API v2 emulator: POST /2/<route>, GET /oauth2/authorize, POST /oauth2/token\n',
      );
    }
    throw new ApiError(404, 'Not Found');
  } catch (err) {
    await answerError(deps, io, res, route, err);
  }
}

async function answerError(deps: ServerDeps, io: Io, res: ServerResponse, route: string, err: unknown): Promise<void> {
  if (err instanceof ConnectionDropped || io.dropped || res.destroyed) return;
  let e: ApiError;
  if (err instanceof ApiError) e = err;
  else {
    deps.log?.({ msg: 'emulator bug', route, error: err instanceof Error ? err.stack : String(err) });
    e = serverError(500);
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = typeof e.body === 'string';
  const body = text ? (e.body as string) : JSON.stringify(e.body);
  const headers = {
    'Content-Type': text ? 'text/plain; charset=utf-8' : 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...e.headers,
  };
  try {
    await io.send(e.status, headers, body);
  } catch {
    // The connection is gone; nothing more to say.
  }
}

async function api(
  deps: ServerDeps,
  name: string,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  io: Io,
  forceExpired: boolean,
): Promise<void> {
  const { st } = deps;
  const route = deps.routes.get(name);
  if (!route) throw new ApiError(404, `Unknown API function: "${name}"`);
  if (req.method !== 'POST' && !(route.style === 'download' && req.method === 'GET')) {
    throw new ApiError(405, `Error in call to API function "${name}": Method ${req.method} not allowed`, {
      Allow: 'POST',
    });
  }

  // Authenticate before reading bodies, as Dropbox does.
  const caller = route.auth === 'none' ? (undefined as never) : resolveCaller(st, route, req.headers, forceExpired);
  if (route.auth === 'none' && forceExpired) throw authError(tag('expired_access_token'));
  if (caller && st.faults.overRateLimit(caller.token.token)) throw rateLimited('too_many_requests', 1);

  let arg: unknown;
  if (route.style === 'rpc') {
    const ct = req.headers['content-type'];
    const raw = await io.readAll(MAX_RPC_BODY, () => badRequest(name, 'request body is too large'));
    if (
      raw.length &&
      ct !== undefined &&
      !/^(application\/json|text\/plain; ?charset=dropbox-cors-hack)\s*(;\s*charset=utf-8)?$/i.test(ct)
    ) {
      throw badRequest(
        name,
        `Bad HTTP "Content-Type" header: "${ct}".  Expecting one of "application/json", "application/json; charset=utf-8", "text/plain; charset=dropbox-cors-hack".`,
      );
    }
    arg = parseArg(route, raw.length ? raw.toString('utf8') : route.arg === VOID ? 'null' : '', 'request body');
  } else {
    if (route.style === 'upload') {
      const ct = req.headers['content-type'];
      if (!ct || !/^(application\/octet-stream|text\/plain; ?charset=dropbox-cors-hack)\s*$/i.test(ct)) {
        throw badRequest(
          name,
          `Bad HTTP "Content-Type" header: "${ct ?? ''}".  Expecting one of "application/octet-stream", "text/plain; charset=dropbox-cors-hack".`,
        );
      }
    }
    const header = req.headers['dropbox-api-arg'];
    const query = url.searchParams.get('arg');
    if (typeof header === 'string') {
      // Header values must be ASCII; other characters travel as \uXXXX escapes.
      if (/[^\t\x20-\x7e]/.test(header))
        throw badRequest(name, 'HTTP header "Dropbox-API-Arg": could not decode input as JSON');
      arg = parseArg(route, header, 'HTTP header "Dropbox-API-Arg"');
    } else if (query !== null) {
      arg = parseArg(route, query, 'URL parameter "arg"');
    } else if (route.arg === VOID) {
      arg = null;
    } else {
      throw badRequest(name, 'Must provide HTTP header "Dropbox-API-Arg" or URL parameter "arg".');
    }
  }

  const call: Call = {
    st,
    route,
    arg,
    caller,
    req,
    res,
    body: () => io.body(),
    async sendBytes(result, stream, opts) {
      await io.send(
        opts.status,
        {
          'Content-Type': 'application/octet-stream',
          'Content-Length': opts.length,
          'Dropbox-API-Result': headerSafeJson(result),
          ...opts.headers,
        },
        stream as AsyncIterable<Buffer>,
      );
    },
  };
  const result = await route.handle(call);
  if (route.style === 'download') return;
  const body = JSON.stringify(result ?? null);
  await io.send(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }, body);
}

function parseArg(route: RouteDef, text: string, where: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw badRequest(route.name, `${where}: could not decode input as JSON`);
  }
  try {
    return route.arg.parse(v, '');
  } catch (err) {
    if (err instanceof ArgError) throw badRequest(route.name, `${where}: ${err.message}`);
    throw err;
  }
}
