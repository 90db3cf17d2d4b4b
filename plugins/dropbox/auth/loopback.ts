// The loopback callback server of the CLI's browser flow. It listens on 127.0.0.1 and
// ::1 at the redirect URL's port (browsers resolve `localhost` to either), only while
// a flow waits, and answers only the redirect path. The page it shows says how the
// sign-in ended, so the user knows whether the tab can be closed.
import { createServer, type Server } from 'node:http';

export interface CallbackParams {
  state?: string;
  code?: string;
  error?: string;
  errorDescription?: string;
}

export interface CallbackOutcome {
  ok: boolean;
  message: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The port and path to listen on, or undefined when the URL is not on this machine. */
export function loopbackTarget(redirectUrl: string): { port: number; path: string } | undefined {
  let u: URL;
  try {
    u = new URL(redirectUrl);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' || !LOOPBACK_HOSTS.has(u.hostname)) return undefined;
  return { port: u.port ? Number(u.port) : 80, path: u.pathname };
}

export interface LoopbackServer {
  /** Addresses actually bound, e.g. ['127.0.0.1', '::1']. */
  addresses: string[];
  /** Resolves when a callback arrives and `handle` has produced the page. */
  done: Promise<CallbackOutcome>;
  close(): Promise<void>;
}

/**
 * Starts listening. `handle` runs for the first request on the path that carries a
 * state or an error (favicon fetches and stray probes are ignored); its outcome is the
 * page shown and the value of `done`. Later callbacks are told the sign-in is over.
 */
export async function listenLoopback(
  redirectUrl: string,
  handle: (p: CallbackParams) => Promise<CallbackOutcome>,
): Promise<LoopbackServer> {
  const target = loopbackTarget(redirectUrl);
  if (!target) throw new Error(`the redirect URL ${redirectUrl} is not a loopback http URL`);
  let settle!: (o: CallbackOutcome) => void;
  const done = new Promise<CallbackOutcome>((r) => (settle = r));
  let taken = false;

  const onRequest: Parameters<typeof createServer>[1] = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = url.searchParams;
    if (req.method !== 'GET' || url.pathname !== target.path || !(q.has('state') || q.has('error') || q.has('code'))) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (taken) {
      page(res, 409, { ok: false, message: 'This sign-in has already finished. You can close this tab.' });
      return;
    }
    taken = true;
    const params: CallbackParams = {
      state: q.get('state') ?? undefined,
      code: q.get('code') ?? undefined,
      error: q.get('error') ?? undefined,
      errorDescription: q.get('error_description') ?? undefined,
    };
    void handle(params)
      .catch((err: unknown): CallbackOutcome => ({
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      }))
      .then((outcome) => {
        page(res, outcome.ok ? 200 : 400, outcome);
        settle(outcome);
      });
  };

  const servers: Server[] = [];
  const addresses: string[] = [];
  const errors: NodeJS.ErrnoException[] = [];
  for (const host of ['127.0.0.1', '::1']) {
    const s = createServer(onRequest);
    try {
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen({ port: target.port, host, exclusive: true }, () => resolve());
      });
      servers.push(s);
      addresses.push(host);
    } catch (err) {
      errors.push(err as NodeJS.ErrnoException);
    }
  }
  const close = () =>
    Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r());
            s.closeAllConnections();
          }),
      ),
    ).then(() => {});
  // A host without IPv6 (or IPv4) is fine as long as one address listens; a port in
  // use is not, on either: the browser might reach the other program there.
  const inUse = errors.find((e) => e.code === 'EADDRINUSE' || e.code === 'EACCES');
  if (inUse || !servers.length) {
    await close();
    const e = inUse ?? errors[0];
    throw new Error(
      e?.code === 'EADDRINUSE'
        ? `port ${target.port} is in use, so the sign-in callback cannot be received; stop the program using it or set another redirectUrl (registered in the App Console)`
        : `cannot listen on port ${target.port} for the sign-in callback (${e?.code ?? 'unknown'}: ${e?.message ?? ''})`,
    );
  }
  return { addresses, done, close };
}

function page(res: import('node:http').ServerResponse, status: number, o: CallbackOutcome): void {
  const title = o.ok ? 'dropcron: signed in' : 'dropcron: sign-in failed';
  const body =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body style="font-family:system-ui,sans-serif;max-width:40em;margin:4em auto"><h1>${title}</h1>` +
    `<p>${escapeHtml(o.message)}</p><p>You can close this tab and return to the terminal.</p></body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  });
  res.end(body);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
