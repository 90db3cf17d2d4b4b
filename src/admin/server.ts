// The admin server: Fastify with helmet (strict CSP), cookie sessions, CSRF on every
// state-changing request, failed sign-ins throttled per client, rate limits on OAuth
// routes, a JSON API under /api with schemas, and the static page. Nothing but sign-in,
// /health, the OAuth callback (authenticated by its single-use state) and the page's
// own files answers without a session.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import { Sessions, SESSION_COOKIE, type Session } from './session.ts';
import { checkCsrf } from './csrf.ts';
import type { PasswordCheck } from './password.ts';
import { HttpError, MAX_ERROR_CHARS, type AdminContext } from './context.ts';
import { SignInLimiter } from './sign-in-limit.ts';
import { allowedHosts, servedOverHttps } from './exposure.ts';
import { oneLine } from '../one-line.ts';
import { sessionRoutes } from './routes/session.ts';
import { connectionRoutes } from './routes/connections.ts';
import { oauthRoutes } from './routes/oauth.ts';
import { jobRoutes } from './routes/jobs.ts';
import { eventRoutes } from './routes/events.ts';
import { typeSchemaRoutes } from './routes/type-schemas.ts';
import { openApiDocument, type RouteInfo } from './openapi.ts';
import { RunLogs } from './run-logs.ts';
import { InvalidEditError } from './yaml-edit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
}

/** The scheduler ticks every 30 s; two missed ticks mean it is stuck. */
const HEALTHY_TICK_MS = 75_000;
const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
/** Routes answered without a session (the callback is authenticated by its single-use state). */
const OPEN_ROUTES = new Set(['GET /health', 'GET /api/session', 'POST /api/session', 'GET /oauth2/callback']);

export interface AdminServerOptions {
  password: PasswordCheck;
  /** Sign-in throttling; tests pass one with a fake clock. */
  limiter?: SignInLimiter;
  /** PEM texts of admin.tls: the server speaks https. */
  tls?: { cert: string; key: string };
}

export async function buildAdminServer(ctx: AdminContext, opts: AdminServerOptions): Promise<FastifyInstance> {
  const admin = ctx.loaded().config.admin;
  // One instance type for both: the routes never touch the raw server.
  const app = Fastify({
    ...(opts.tls ? { https: opts.tls } : {}),
    // Behind a proxy the client's address (for sign-in throttling) is in X-Forwarded-For.
    trustProxy: admin.trustProxy === true,
    logger: false,
    bodyLimit: 64 * 1024,
    // Unknown keys are errors, not silently dropped; one error at a time (untrusted input).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }) as unknown as FastifyInstance;
  const sessions = await Sessions.open(ctx.loaded().config.state, {
    onSaveError: (err) =>
      ctx.log.warn(`cannot save the admin sessions (a restart will sign everyone out): ${err.message}`),
  });
  const routes: RouteInfo[] = [];
  // The page's modules load before sign-in, views/ included.
  const openFiles = new Set(['/', ...readdirSync(PUBLIC_DIR, { recursive: true }).map((f) => `/${String(f)}`)]);

  app.addHook('onRoute', (r) => {
    if (r.url.startsWith('/api/') && !r.url.includes('*'))
      routes.push({ method: r.method, url: r.url, schema: r.schema });
  });

  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // The page opens the sign-in popup and needs to hear back from it.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    // Plain HTTP on loopback; behind a TLS proxy, HSTS is the proxy's to send.
    strictTransportSecurity: opts.tls ? { maxAge: 180 * 24 * 60 * 60 } : false,
  });
  await app.register(rateLimit, { global: false });

  // The server answers only to its own names: a web page that re-points its own host
  // name at this server (DNS rebinding) gets nothing.
  const hosts = allowedHosts(admin);
  app.addHook('onRequest', async (req, reply) => {
    const asked = hostnameOf(req.host);
    if (!hosts.has(asked)) {
      return reply.code(421).send({
        error: `this admin server answers only to ${[...hosts].slice(0, 6).join(', ')}${hosts.size > 6 ? ', ...' : ''}, not '${asked}' (set admin.publicUrl to the address browsers use)`,
      });
    }
    const path = req.url.split('?')[0]!;
    const session = sessions.get(req.cookies[SESSION_COOKIE]);
    if (session) req.session = session;
    if (OPEN_ROUTES.has(`${req.method} ${path}`) || (req.method === 'GET' && openFiles.has(path))) return;
    if (!session) return reply.code(401).send({ error: 'sign in first' });
    if (!checkCsrf(req, reply, session)) return reply;
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation)
      return reply.code(400).send({
        error: `${req.method} ${req.routeOptions.url ?? req.url}: ${err.message}`,
        problems: fieldProblems(err),
      });
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send({
        error: `send JSON (content-type: application/json), not ${req.headers['content-type'] ?? 'no content-type'}`,
      });
    }
    const status =
      err instanceof HttpError
        ? err.statusCode
        : err.statusCode && err.statusCode >= 400 && err.statusCode < 500
          ? err.statusCode
          : 500;
    if (status >= 500)
      ctx.log.error({ err: { name: err.name, message: err.message } }, `admin ${req.method} ${req.url} failed`);
    return reply.code(status).send({
      error: status === 500 ? `internal error: ${oneLine(err, MAX_ERROR_CHARS)}` : oneLine(err, MAX_ERROR_CHARS),
      ...(err instanceof InvalidEditError ? { problems: err.problems.map(({ file: _f, ...p }) => p) } : {}),
    });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );

  // For uptime monitors: no session, and no more than names and outcomes.
  app.get('/health', { schema: { hide: true } }, async (_req, reply) => {
    const h = ctx.scheduler?.health() as
      { lastTick: string; jobs: Array<{ name: string; running: boolean; lastOutcome: string | null }> } | undefined;
    if (!h) return reply.code(503).send({ ok: false, error: 'the scheduler is not running' });
    const age = Date.now() - Date.parse(h.lastTick);
    const store = ctx.store.health();
    const error = age >= HEALTHY_TICK_MS ? `the scheduler has not ticked for ${Math.round(age / 1000)} s` : store.error;
    const ok = !error;
    return reply.code(ok ? 200 : 503).send({
      ok,
      lastTick: h.lastTick,
      ...(error ? { error } : {}),
      store,
      jobs: h.jobs.length,
      running: h.jobs.filter((j) => j.running).length,
      failing: h.jobs.filter((j) => j.lastOutcome === 'failed' || j.lastOutcome === 'timeout').map((j) => j.name),
    });
  });

  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: 'index.html', wildcard: false });

  const deps = {
    ctx,
    sessions,
    password: opts.password,
    limiter: opts.limiter ?? new SignInLimiter(),
    secureCookies: servedOverHttps(admin),
  };
  const logs = new RunLogs(ctx.scheduler);
  app.addHook('onClose', async () => logs.close());
  await app.register(async (api) => {
    sessionRoutes(api, deps);
    connectionRoutes(api, ctx);
    oauthRoutes(api, ctx);
    jobRoutes(api, ctx, logs);
    eventRoutes(api, ctx);
    typeSchemaRoutes(api, ctx);
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => openApiDocument(routes));
  return app;
}

function hostnameOf(host: string | undefined): string {
  try {
    return new URL(`http://${host ?? ''}`).hostname;
  } catch {
    return '';
  }
}

/**
 * A request refused by its schema, as problems the page can put next to their fields:
 * `body/settings/account` becomes the path `settings.account` (the body is what a form sends).
 */
function fieldProblems(err: FastifyError): Array<{ path: string; message: string }> {
  return (err.validation ?? []).map((v) => ({
    path: [...(err.validationContext === 'body' ? [] : [err.validationContext ?? '']), ...v.instancePath.split('/')]
      .filter(Boolean)
      .join('.'),
    message: v.message ?? v.keyword,
  }));
}
