// CSRF: every state-changing request must carry the session's token in a header. A
// cross-site page can make the browser send the cookie (SameSite=strict already
// stops most of that) but can never read the token or set a custom header without
// a CORS preflight, which this server never grants.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sameToken, type Session } from './session.ts';

export const CSRF_HEADER = 'x-csrf-token';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Replies 403 and returns false when an unsafe request lacks the session's token. */
export function checkCsrf(req: FastifyRequest, reply: FastifyReply, session: Session): boolean {
  if (SAFE.has(req.method)) return true;
  const sent = req.headers[CSRF_HEADER];
  if (sameToken(Array.isArray(sent) ? sent[0] : sent, session.csrf)) return true;
  void reply.code(403).send({ error: `missing or wrong ${CSRF_HEADER} header: reload the page and try again` });
  return false;
}
