// Browser sign-in for a connection. Internal browser: the page opens the authorize URL
// in a popup that comes back to GET /oauth2/callback here, which finishes the flow and
// tells the page. External browser: the page shows the URL and a box for the code
// (paste mode, for headless servers). The plugin owns PKCE, state and tokens.
import type { FastifyInstance } from 'fastify';
import { connectionOf, MAX_ERROR_CHARS, pluginError, HttpError, type AdminContext } from '../context.ts';
import { oneLine } from '../../one-line.ts';
import { errorReply, nameParams } from './schemas.ts';

const FLOW_TTL_MS = 10 * 60 * 1000;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function oauthRoutes(app: FastifyInstance, ctx: AdminContext): void {
  /** state -> connection, for callbacks (they carry only the state). */
  const pending = new Map<string, { name: string; until: number }>();
  const sweep = () => {
    const now = Date.now();
    for (const [s, p] of pending) if (p.until < now) pending.delete(s);
  };
  const limit = { rateLimit: { max: 30, timeWindow: '1 minute' } };

  app.post<{ Params: { name: string }; Body: { mode: 'redirect' | 'paste' } }>(
    '/api/connections/:name/authorize',
    {
      config: limit,
      schema: {
        summary:
          'Start a sign-in: returns the URL to open (redirect: popup back to /oauth2/callback; paste: shows a code)',
        params: nameParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['mode'],
          properties: { mode: { enum: ['redirect', 'paste'] } },
        },
        response: {
          200: {
            type: 'object',
            properties: { url: { type: 'string' }, state: { type: 'string' }, redirectUrl: { type: 'string' } },
          },
          404: errorReply,
        },
      },
    },
    async (req) => {
      const { def, ct } = connectionOf(ctx, req.params.name);
      if (!ct.authorize) throw new HttpError(501, `the ${ct.type} plugin has no browser sign-in`);
      const redirectUrl = req.body.mode === 'redirect' ? `${ctx.origin()}/oauth2/callback` : undefined;
      let begun;
      try {
        begun = await ct.authorize.begin(def, ctx.services, { mode: req.body.mode, redirectUrl });
      } catch (err) {
        throw pluginError(err);
      }
      sweep();
      pending.set(begun.state, { name: def.name, until: Date.now() + FLOW_TTL_MS });
      return { url: begun.url, state: begun.state, ...(redirectUrl ? { redirectUrl } : {}) };
    },
  );

  app.post<{ Params: { name: string }; Body: { state: string; code: string } }>(
    '/api/connections/:name/authorize/complete',
    {
      config: limit,
      schema: {
        summary: 'Finish a paste-mode sign-in with the code the user copied',
        params: nameParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['state', 'code'],
          properties: {
            state: { type: 'string', minLength: 1, maxLength: 512 },
            code: { type: 'string', minLength: 1, maxLength: 2048 },
          },
        },
        response: { 404: errorReply },
      },
    },
    async (req) => {
      const { def, ct } = connectionOf(ctx, req.params.name);
      if (!ct.authorize) throw new HttpError(501, `the ${ct.type} plugin has no browser sign-in`);
      pending.delete(req.body.state);
      let status;
      try {
        status = await ct.authorize.complete(def, ctx.services, { state: req.body.state, code: req.body.code.trim() });
      } catch (err) {
        throw pluginError(err);
      }
      ctx.bus.emit('connection', { name: def.name, reason: 'authorised' });
      return { status };
    },
  );

  // No session needed: after a cross-site redirect a SameSite=strict cookie is not sent.
  // The single-use state, bound to one connection when the flow began, is the proof.
  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/oauth2/callback',
    {
      config: limit,
      schema: { hide: true },
    },
    async (req, reply) => {
      const q = req.query;
      const state = typeof q.state === 'string' ? q.state : '';
      const entry = pending.get(state);
      pending.delete(state);
      let ok = false;
      let message: string;
      const name = entry?.name ?? '';
      if (!entry || entry.until < Date.now()) {
        message =
          'This sign-in was not started here, was already used or has expired. Start it again from the dropcron page.';
      } else {
        try {
          const { def, ct } = connectionOf(ctx, entry.name);
          const status = await ct.authorize!.complete(def, ctx.services, {
            state,
            code: q.code,
            error: q.error,
            errorDescription: q.error_description,
          });
          ok = status.state === 'authorised';
          message = ok
            ? `Connection '${def.name}' is authorised${status.label ? ` as ${status.label}` : ''}.`
            : `Connection '${def.name}': ${status.detail ?? status.state}`;
        } catch (err) {
          message = oneLine(err, MAX_ERROR_CHARS);
        }
        ctx.bus.emit('connection', { name, reason: ok ? 'authorised' : 'authorisation failed' });
      }
      // The page listens for this message; its origin is checked there. CSP forbids inline
      // script, so the data rides in attributes and callback.js does the posting.
      void reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('cross-origin-opener-policy', 'unsafe-none')
        .header('cache-control', 'no-store');
      return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>dropcron sign-in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/style.css"></head>
<body class="callback"><main id="result" data-ok="${ok}" data-connection="${escapeHtml(name)}" data-message="${escapeHtml(message)}">
<h1>${ok ? 'Signed in' : 'Sign-in did not finish'}</h1><p>${escapeHtml(message)}</p><p class="muted">You can close this window.</p></main>
<script src="/callback.js"></script></body></html>`;
    },
  );
}
