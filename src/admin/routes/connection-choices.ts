// Values to choose from for a connection's fields whose schema says `"x-choices": "<name>"`,
// read by the plugin (ConnectionType.choices) with the connection's grant, so the form
// offers a list where the file wants an id. The core knows the names only from the schema.
import type { FastifyInstance } from 'fastify';
import type { JsonSchema } from '../../plugin.ts';
import { connectionOf, HttpError, pluginError, type AdminContext } from '../context.ts';
import { errorReply, nameParams } from './schemas.ts';

/** Every `x-choices` name in a schema, at any depth. */
export function choiceNames(schema: JsonSchema): Set<string> {
  const out = new Set<string>();
  const walk = (s: unknown) => {
    if (!s || typeof s !== 'object') return;
    const o = s as Record<string, unknown>;
    if (typeof o['x-choices'] === 'string') out.add(o['x-choices']);
    for (const sub of Object.values((o.properties ?? {}) as Record<string, unknown>)) walk(sub);
  };
  walk(schema);
  return out;
}

const choiceList = {
  type: 'object',
  properties: {
    choices: { type: 'string' },
    query: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['value', 'title'],
        properties: { value: { type: 'string' }, title: { type: 'string' }, detail: { type: 'string' } },
      },
    },
    total: { type: 'integer', description: 'How many matched; more than items when the list was cut' },
  },
} as const;

export function connectionChoiceRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get<{ Params: { name: string; choices: string }; Querystring: { q?: string } }>(
    '/api/connections/:name/choices/:choices',
    {
      schema: {
        summary: 'Values to choose from for the fields marked x-choices: the first ones matching q, and the total',
        params: {
          type: 'object',
          required: ['name', 'choices'],
          properties: {
            ...nameParams.properties,
            choices: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' },
          },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { q: { type: 'string', maxLength: 200, description: 'Keeps the values that contain it' } },
        },
        response: { 200: choiceList, 404: errorReply },
      },
    },
    async (req) => {
      const { def, ct } = connectionOf(ctx, req.params.name);
      const { choices } = req.params;
      const offered = choiceNames(ct.schema);
      if (!offered.has(choices))
        throw new HttpError(
          404,
          `connections of type '${ct.type}' have no choices named '${choices}' (offered: ${[...offered].join(', ') || 'none'})`,
        );
      if (!ct.choices) throw new HttpError(501, `the ${ct.type} plugin offers no choices`);
      const query = req.query.q ?? '';
      try {
        return { choices, query, ...(await ct.choices(def, choices, ctx.services, { query })) };
      } catch (err) {
        throw pluginError(err);
      }
    },
  );
}
