// The plugins' JSON Schemas, for the page's forms: each connection type's (with the
// fields the core adds to every connection) and each task type's options. The page
// builds its forms from them (src/admin/public/schema-form.js), so the admin code holds
// no plugin's fields, labels or defaults.
import type { FastifyInstance } from 'fastify';
import type { AdminContext } from '../context.ts';

export function typeSchemaRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get(
    '/api/schemas',
    { schema: { summary: 'JSON Schemas of the connection and task types, for forms' } },
    async () => {
      const { registry } = ctx.loaded();
      return {
        connectionTypes: Object.fromEntries([...registry.connectionTypes].map(([type, ct]) => [type, ct.schema])),
        taskTypes: Object.fromEntries([...registry.taskTypes].map(([name, t]) => [name, t.schema])),
      };
    },
  );
}
