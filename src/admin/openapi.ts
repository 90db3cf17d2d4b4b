// The OpenAPI document of /api, built from the route schemas Fastify validates with,
// so it cannot drift from what the server accepts.
import type { FastifySchema } from 'fastify';

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI document. */
    summary?: string;
    /** Left out of the OpenAPI document (not part of the JSON API). */
    hide?: boolean;
  }
}

export interface RouteInfo {
  method: string | string[];
  url: string;
  schema?: FastifySchema;
}

export function openApiDocument(routes: RouteInfo[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    if (r.schema?.hide) continue;
    const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    for (const method of [r.method].flat().map((m) => m.toLowerCase())) {
      if (method === 'head') continue;
      const s = r.schema ?? {};
      const parameters: unknown[] = [];
      for (const [where, schema] of [
        ['path', s.params],
        ['query', s.querystring],
      ] as const) {
        const obj = schema as { properties?: Record<string, unknown>; required?: string[] } | undefined;
        for (const [name, p] of Object.entries(obj?.properties ?? {})) {
          parameters.push({
            name,
            in: where,
            required: where === 'path' || (obj?.required ?? []).includes(name),
            schema: p,
          });
        }
      }
      const responses: Record<string, unknown> = {};
      for (const [code, schema] of Object.entries((s.response ?? {}) as Record<string, unknown>)) {
        responses[code] = {
          description: Number(code) >= 400 ? 'error: {error: one-line message}' : 'ok',
          content: { 'application/json': { schema } },
        };
      }
      if (!Object.keys(responses).length) responses['200'] = { description: 'ok' };
      const unsafe = !['get', 'head'].includes(method);
      paths[path] ??= {};
      paths[path]![method] = {
        summary: s.summary,
        ...(parameters.length ? { parameters } : {}),
        ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } } : {}),
        responses: {
          ...responses,
          400: responses['400'] ?? { description: 'bad request: {error}' },
          401: { description: 'not signed in' },
          ...(unsafe ? { 403: { description: 'missing x-csrf-token header' } } : {}),
        },
        security: url(path) ? [] : [{ session: [] }],
      };
    }
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'dropcron admin API',
      version: '1',
      description:
        'Used by the admin page. Sign in with POST /api/session; send the returned csrf token as x-csrf-token on every POST, PUT, PATCH and DELETE.',
    },
    components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'dropcron_session' } } },
    paths,
  };
}

const url = (path: string) => path === '/api/session';
