// The schemas the job editor builds its forms from: the core's job fields, each
// plugin task type's options and each trigger type's, with their annotations (title, description, default,
// enum, `x-remotePath` for a path in the connection's remote store). The core reads
// only the annotations, so it names no plugin's fields.
import type { FastifyInstance } from 'fastify';
import jobSchema from '../../config/schemas/job.schema.json' with { type: 'json' };
import type { AdminContext } from '../context.ts';
import { triggerOptionsSchema } from '../../triggers/options-schema.ts';

export function taskTypeRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get(
    '/api/task-types',
    { schema: { summary: 'The job schema, every task type and every trigger type with its options schema' } },
    async () => {
      const { tasks: _tasks, ...fields } = jobSchema.properties;
      return {
        job: { ...jobSchema, properties: fields },
        taskTypes: [...ctx.loaded().registry.taskTypes.values()].map((t) => ({ type: t.name, schema: t.schema })),
        triggerTypes: [...ctx.loaded().registry.triggerTypes.values()].map((t) => ({
          type: t.name,
          schema: triggerOptionsSchema(t),
        })),
      };
    },
  );
}
