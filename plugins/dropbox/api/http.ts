// The transport: one POST per attempt over the core's dispatcher, Dropbox's three
// request styles, error decoding, and the retry loop driven by retry.ts. It logs
// route, status, request id and duration per attempt, never headers or tokens.
import type { Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import type { Logger } from '../../../src/plugin.ts';
import { describeNetworkFailure, oneLine, request } from '../../../src/plugin.ts';
import type { TokenSource } from './types.ts';
import { encodeArg, parseResultHeader } from './arg-header.ts';
import { proxyRefusal } from './proxy-refusal.ts';
import { DropboxError, NetworkError, PathRootError, ProxyError, RateLimitError, errorFromResponse } from './errors.ts';
import { shouldRetry, DEFAULT_RETRY, type Idempotency, type RetryPolicy } from './retry.ts';
import { Pacer } from './pacer.ts';

export type BodyReadable = Dispatcher.ResponseData['body'];

export interface Body {
  /** undici streams async iterables too (its types list only Readable). */
  data: Buffer | Readable | AsyncIterable<Uint8Array>;
  length: number;
}

export interface Call {
  /** e.g. 'files/upload_session/append_v2'. */
  route: string;
  style: 'rpc' | 'upload' | 'download';
  /** list_folder/longpoll goes to the notify host, without a token or namespace headers. */
  host?: 'notify';
  arg?: unknown;
  /** Makes the body for one attempt; called again for each replay (re-opening the file at its offset). */
  body?: () => Body | Promise<Body>;
  idempotency: Idempotency;
  /** Set false when the body cannot be made again. */
  replayable?: boolean;
  /** Paths and byte count named in error messages. */
  paths?: string[];
  bytes?: number;
  headers?: Record<string, string>;
  /** Skip Path-Root (users/get_current_account while finding the root); Select-* are still sent. */
  noPathRoot?: boolean;
  signal?: AbortSignal;
}

export interface Response<T> {
  result: T;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Download style only: the content, to be consumed by the caller. */
  body?: BodyReadable;
}

export interface TransportOptions {
  dispatcher: Dispatcher;
  token: TokenSource;
  api: string;
  content: string;
  /** Where list_folder/longpoll goes; the api host when not given. */
  notify?: string;
  log?: Logger;
  retry?: Partial<RetryPolicy>;
  /** Path-Root / Select-User / Select-Admin headers for a call. */
  namespaceHeaders?: (withPathRoot: boolean) => Promise<Record<string, string>>;
  /** 422 invalid_root: update the cached root from the error, so the replay uses the new one. */
  onInvalidRoot?: (err: PathRootError) => Promise<void>;
  /** The connection's pacer, shared by every call; a transport alone gets its own. */
  pacer?: Pacer;
  /** Told of every attempt and retry (the core's metrics). */
  observer?: TransportObserver;
}

export interface TransportObserver {
  /** One attempt got an answer with `status`, or none (0). */
  call(route: string, status: number): void;
  retry(route: string, reason: string): void;
}

export class Transport {
  readonly policy: RetryPolicy;
  readonly pacer: Pacer;

  constructor(private readonly o: TransportOptions) {
    this.policy = { ...DEFAULT_RETRY, ...o.retry };
    this.pacer = o.pacer ?? new Pacer();
  }

  /** Sends the call with retries; resolves to the decoded result (and the open body for downloads). */
  async send<T>(call: Call): Promise<Response<T>> {
    let attempt = 0;
    let refreshed = false;
    let rootRefreshed = false;
    let fresh: string | undefined;
    let throttled = 0;
    let throttledSince: number | undefined;
    for (;;) {
      attempt++;
      const started = await this.pacer.ready(call.signal);
      // Asked each attempt (cheap when cached): a Retry-After wait may outlast the token.
      const token = fresh ?? (await this.o.token.token(call.signal));
      fresh = undefined;
      try {
        const res = await this.once<T>(call, token, attempt);
        this.pacer.answered();
        return res;
      } catch (err) {
        if (err instanceof PathRootError && err.tags[0] === 'invalid_root' && !rootRefreshed && this.o.onInvalidRoot) {
          rootRefreshed = true;
          await this.o.onInvalidRoot(err);
          continue;
        }
        // A Retry-After is about the connection, not this call: the pacer holds them all.
        const wait = err instanceof RateLimitError || (err instanceof DropboxError && err.retryAfterMs !== undefined);
        if (err instanceof RateLimitError) {
          throttled++;
          throttledSince ??= this.pacer.now();
        } else if (!wait && err instanceof DropboxError && err.status > 0) this.pacer.answered();
        const d = shouldRetry(
          err,
          {
            idempotency: call.idempotency,
            replayable: call.replayable !== false,
            attempt,
            refreshed,
            throttled,
            throttledMs: throttledSince === undefined ? 0 : this.pacer.now() - throttledSince,
            signal: call.signal,
          },
          this.policy,
        );
        // Counted even when given up; held only when retrying (a Retry-After too long to obey fails the others too).
        if (wait) this.pacer.throttled(d.retry ? d.delayMs : 0, started);
        if (!d.retry) {
          if (err instanceof DropboxError) err.attempts = attempt;
          throw err;
        }
        this.o.log?.debug({ route: call.route, attempt, delayMs: d.delayMs, reason: d.reason }, 'dropbox retry');
        this.o.observer?.retry(call.route, d.reason);
        if (d.refreshToken) {
          refreshed = true;
          fresh = await this.o.token.refresh(token, call.signal);
        } else if (!wait) {
          await this.pacer.backOff(d.delayMs, call.signal);
        }
      }
    }
  }

  private async once<T>(call: Call, token: string, attempt: number): Promise<Response<T>> {
    const notify = call.host === 'notify';
    const host = notify ? (this.o.notify ?? this.o.api) : call.style === 'rpc' ? this.o.api : this.o.content;
    const url = `${host.replace(/\/+$/, '')}/2/${call.route}`;
    const headers: Record<string, string> = {
      ...(notify ? {} : { authorization: `Bearer ${token}`, ...(await this.o.namespaceHeaders?.(!call.noPathRoot)) }),
      ...call.headers,
    };
    let body: Body['data'] | string | undefined;
    if (call.style === 'rpc') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.arg ?? null);
    } else {
      headers['dropbox-api-arg'] = encodeArg(call.arg ?? {});
      if (call.style === 'upload') {
        headers['content-type'] = 'application/octet-stream';
        const b = call.body ? await call.body() : { data: Buffer.alloc(0), length: 0 };
        headers['content-length'] = String(b.length);
        body = b.data;
      }
    }
    const started = performance.now();
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'POST',
        dispatcher: this.o.dispatcher,
        headers,
        body: body as Buffer | Readable | string | undefined,
        signal: call.signal,
      });
    } catch (err) {
      closeBody(body);
      if (call.signal?.aborted) throw call.signal.reason;
      const e = this.networkError(call.route, err, host);
      this.o.observer?.call(call.route, 0);
      this.o.log?.debug(
        { route: call.route, status: 0, error: e.tags.join('/'), ms: Math.round(performance.now() - started), attempt },
        'dropbox request failed',
      );
      throw e;
    }
    const requestId = header(res.headers, 'x-dropbox-request-id');
    this.o.observer?.call(call.route, res.statusCode);
    this.o.log?.debug(
      { route: call.route, status: res.statusCode, requestId, ms: Math.round(performance.now() - started), attempt },
      'dropbox request',
    );
    if (res.statusCode >= 400) {
      closeBody(body); // an early refusal may leave the file stream half read
      const text = await readText(res.body).catch(() => '');
      const refusal = proxyRefusal(this.o.dispatcher, res.statusCode, header(res.headers, 'content-type'));
      if (refusal) {
        throw new ProxyError(`${call.route}: ${refusal}`, {
          route: call.route,
          status: res.statusCode,
          tags: ['proxy', 'auth'],
          code: 'DBX_PROXY_AUTH',
        });
      }
      throw errorFromResponse({
        route: call.route,
        status: res.statusCode,
        body: text,
        contentType: header(res.headers, 'content-type'),
        requestId,
        retryAfter: header(res.headers, 'retry-after'),
        paths: call.paths,
        bytes: call.bytes,
      });
    }
    if (call.style === 'download') {
      const result = parseResultHeader<T>(res.headers['dropbox-api-result'], call.route);
      return { result, status: res.statusCode, headers: res.headers, body: res.body };
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      if (call.signal?.aborted) throw call.signal.reason;
      throw this.networkError(call.route, err, host);
    }
    let result: T;
    try {
      result = (text === '' ? null : JSON.parse(text)) as T;
    } catch {
      throw new DropboxError(
        `${call.route}: the reply is not JSON (${oneLine(text, 80)}); is an endpoint or proxy misconfigured?`,
        { route: call.route, status: res.statusCode, requestId, tags: ['bad_reply'] },
      );
    }
    return { result, status: res.statusCode, headers: res.headers };
  }

  networkError(route: string, err: unknown, target: string): DropboxError {
    if (err instanceof DropboxError) return err;
    const f = describeNetworkFailure(err, this.o.dispatcher, target);
    const Cls = f.proxy ? ProxyError : NetworkError;
    return new Cls(
      `${route}: ${f.message}`,
      {
        route,
        tags: [f.proxy ? 'proxy' : 'network', ...(f.code ? [f.code] : [])],
        retryable: f.transient,
        cause: err,
        ...(f.badCredentials ? { code: 'DBX_PROXY_AUTH' as const } : {}),
      },
      f.code,
    );
  }
}

/** Releases a request body that will not be read to its end (closes its file). */
function closeBody(body: unknown): void {
  if (!body || typeof body !== 'object') return;
  if (typeof (body as Readable).destroy === 'function') (body as Readable).destroy();
  else if (typeof (body as AsyncGenerator).return === 'function')
    void (body as AsyncGenerator).return(undefined).catch(() => {});
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readText(body: BodyReadable, limit = 64 * 1024): Promise<string> {
  let out = '';
  for await (const chunk of body) {
    if (out.length < limit) out += (chunk as Buffer).toString('utf8');
  }
  return out.slice(0, limit);
}
