// Sign-in and sign-out. The session cookie is httpOnly and SameSite=strict; the CSRF
// token comes back in the body for the page to send as a header.
import type { FastifyInstance } from 'fastify';
import type { AdminContext } from '../context.ts';
import { SESSION_COOKIE, type Sessions } from '../session.ts';
import type { PasswordCheck } from '../password.ts';

const sessionReply = { type: 'object', properties: { csrf: { type: 'string' } }, required: ['csrf'] } as const;
const errorReply = { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] } as const;

export function sessionRoutes(
  app: FastifyInstance,
  deps: { ctx: AdminContext; sessions: Sessions; password: PasswordCheck },
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
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        summary: 'Sign in with the admin password',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['password'],
          properties: { password: { type: 'string', minLength: 1, maxLength: 1024 } },
        },
        response: { 200: sessionReply, 401: errorReply },
      },
    },
    async (req, reply) => {
      if (!(await deps.password.verify(req.body.password))) {
        deps.ctx.log.warn({ ip: req.ip }, 'admin sign-in failed');
        return reply.code(401).send({ error: 'wrong password' });
      }
      deps.sessions.destroy(req.session?.id); // a fresh id on every sign-in (no fixation)
      const s = deps.sessions.create();
      void reply.setCookie(SESSION_COOKIE, s.id, { path: '/', httpOnly: true, sameSite: 'strict', secure: false });
      return { csrf: s.csrf };
    },
  );

  app.delete('/api/session', { schema: { summary: 'Sign out' } }, async (req, reply) => {
    deps.sessions.destroy(req.session?.id);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });
}
