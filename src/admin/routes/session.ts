// Sign-in and sign-out. The session cookie is httpOnly and SameSite=strict (and Secure
// when the page is served over https); the CSRF token comes back in the body for the
// page to send as a header. Failed sign-ins are throttled per client (sign-in-limit.ts).
import type { FastifyInstance } from 'fastify';
import type { AdminContext } from '../context.ts';
import { SESSION_COOKIE, type Sessions } from '../session.ts';
import type { PasswordCheck } from '../password.ts';
import { DEVICE_COOKIE, DEVICE_MAX_AGE_S, type SignInLimiter } from '../sign-in-limit.ts';

const sessionReply = { type: 'object', properties: { csrf: { type: 'string' } }, required: ['csrf'] } as const;
const errorReply = { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] } as const;

export function sessionRoutes(
  app: FastifyInstance,
  deps: {
    ctx: AdminContext;
    sessions: Sessions;
    password: PasswordCheck;
    limiter: SignInLimiter;
    /** Cookies only over https: served with TLS, or behind a TLS proxy (publicUrl https). */
    secureCookies: boolean;
  },
): void {
  app.get(
    '/api/session',
    {
      schema: { summary: 'The current session and its CSRF token', response: { 200: sessionReply, 401: errorReply } },
    },
    async (req, reply) => {
      if (!req.session) return reply.code(401).send({ error: 'sign in first' });
      return { csrf: req.session.csrf };
    },
  );

  app.post<{ Body: { password: string } }>(
    '/api/session',
    {
      schema: {
        summary: 'Sign in with the admin password',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['password'],
          properties: { password: { type: 'string', minLength: 1, maxLength: 1024 } },
        },
        response: { 200: sessionReply, 401: errorReply, 429: errorReply },
      },
    },
    async (req, reply) => {
      const { limiter } = deps;
      const keys = limiter.keysFor(req.ip, req.cookies[DEVICE_COOKIE]);
      const wait = Math.ceil(limiter.waitMs(keys) / 1000);
      if (wait > 0)
        return reply
          .code(429)
          .header('retry-after', String(wait))
          .send({ error: `too many failed sign-ins; try again in ${wait} s` });
      limiter.failed(keys); // until proven right: a burst of guesses sent at once is held back too
      if (!(await deps.password.verify(req.body.password))) {
        deps.ctx.log.warn({ ip: req.ip }, 'admin sign-in failed');
        return reply.code(401).send({ error: 'wrong password' });
      }
      limiter.succeeded(keys);
      const secure = deps.secureCookies;
      deps.sessions.destroy(req.session?.id); // a fresh id on every sign-in (no fixation)
      const s = deps.sessions.create();
      // On disk before the browser has it: a session handed out survives a restart.
      await deps.sessions.flush();
      void reply.setCookie(SESSION_COOKIE, s.id, { path: '/', httpOnly: true, sameSite: 'strict', secure });
      // This browser is known from now on: others' failures never hold it back.
      void reply.setCookie(DEVICE_COOKIE, limiter.issueDevice(), {
        path: '/api/session',
        httpOnly: true,
        sameSite: 'strict',
        secure,
        maxAge: DEVICE_MAX_AGE_S,
      });
      return { csrf: s.csrf };
    },
  );

  app.delete('/api/session', { schema: { summary: 'Sign out' } }, async (req, reply) => {
    deps.sessions.destroy(req.session?.id);
    await deps.sessions.flush();
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });
}
