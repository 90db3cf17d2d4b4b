// Jobs: list (schedule in words, next run, last outcome), details with the remote
// folders of each task (editable through the folder browser), Run now, history and
// the log of a run.
import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import { HttpError, MAX_ERROR_CHARS, type AdminContext } from '../context.ts';
import { oneLine } from '../../one-line.ts';
import { folderProblems } from '../folder-problems.ts';
import { folderKeys, jobDetail, jobOf, summary } from '../job-view.ts';
import type { RunLogs } from '../run-logs.ts';
import { fileEditQueue, textWithValues, writeChecked } from '../yaml-edit.ts';
import { errorReply, nameParams, anyObject } from './schemas.ts';
import { basedOn, refuseStale, sendFileVersion } from '../versions.ts';
import { jobEditRoutes } from './job-edit.ts';
import { scheduleRoutes } from './schedule.ts';
import { taskTypeRoutes } from './task-types.ts';

export function jobRoutes(app: FastifyInstance, ctx: AdminContext, logs: RunLogs): void {
  // Building and editing jobs, and what the editor's forms need.
  jobEditRoutes(app, ctx);
  scheduleRoutes(app, ctx);
  taskTypeRoutes(app, ctx);

  app.get('/api/jobs', { schema: { summary: 'Jobs with schedule, next run and last outcome' } }, async () => {
    await ctx.reload();
    const loaded = ctx.loaded();
    const problems = folderProblems(loaded, loaded.config.jobs);
    return { jobs: loaded.jobs.map((j) => summary(ctx, j)), problems };
  });

  app.get<{ Params: { name: string } }>(
    '/api/jobs/:name',
    {
      schema: {
        summary: 'One job with its tasks and their remote folders',
        params: nameParams,
        response: { 404: errorReply },
      },
    },
    async (req, reply) => {
      // As the list does: a file changed on disk shows (and, in the daemon, runs) at once.
      await ctx.reload();
      return { job: await jobDetail(ctx, await jobOf(ctx, req.params.name), reply) };
    },
  );

  app.patch<{ Params: { name: string; index: number }; Body: { folders: Record<string, string> } }>(
    '/api/jobs/:name/tasks/:index',
    {
      schema: {
        summary: "Set a task's remote folders (written to the job's YAML file, comments kept)",
        params: {
          type: 'object',
          required: ['name', 'index'],
          properties: { name: nameParams.properties.name, index: { type: 'integer', minimum: 0, maximum: 999 } },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['folders'],
          properties: {
            folders: {
              type: 'object',
              minProperties: 1,
              maxProperties: 8,
              additionalProperties: { type: 'string', maxLength: 4096 },
            },
          },
        },
        response: { 400: errorReply, 404: errorReply, 409: errorReply, 428: errorReply },
      },
    },
    async (req, reply) => {
      const job = await jobOf(ctx, req.params.name);
      const task = job.tasks[req.params.index];
      if (!task)
        throw new HttpError(404, `job '${job.name}' has no task ${req.params.index} (it has ${job.tasks.length})`);
      const keys = folderKeys(ctx, task.type);
      for (const k of Object.keys(req.body.folders)) {
        if (!keys.includes(k))
          throw new HttpError(
            400,
            `'${k}' is not a folder of the ${task.type} task (folders: ${keys.join(', ') || 'none'})`,
          );
      }
      const version = basedOn(req, `/api/jobs/${job.name}`);
      await fileEditQueue.run(job.file, async () => {
        const source = await readFile(job.file, 'utf8');
        refuseStale(source, version, `job '${job.name}'`);
        const text = textWithValues(source, ['tasks', req.params.index, task.type], req.body.folders);
        if (text !== source) await writeChecked(ctx.loaded(), ctx.env, job.file, text);
      });
      await ctx.reload();
      const fresh = await jobOf(ctx, job.name);
      return { job: { ...summary(ctx, fresh), version: await sendFileVersion(reply, fresh.file) } };
    },
  );

  app.post<{ Params: { name: string }; Body: { dryRun?: boolean } }>(
    '/api/jobs/:name/run',
    {
      schema: {
        summary: 'Run the job now (follows its overlap policy); returns the run id',
        params: nameParams,
        body: { type: 'object', additionalProperties: false, properties: { dryRun: { type: 'boolean' } } },
        response: {
          202: { type: 'object', properties: { runId: { type: 'string' } } },
          404: errorReply,
          409: errorReply,
        },
      },
    },
    async (req, reply) => {
      const job = await jobOf(ctx, req.params.name);
      if (!ctx.scheduler) throw new HttpError(409, 'the scheduler is not running');
      try {
        const runId = await ctx.scheduler.runNow(job.name, { dryRun: req.body?.dryRun === true });
        return reply.code(202).send({ runId });
      } catch (err) {
        throw new HttpError(409, oneLine(err, MAX_ERROR_CHARS));
      }
    },
  );

  app.get<{ Params: { name: string }; Querystring: { limit?: number } }>(
    '/api/jobs/:name/runs',
    {
      schema: {
        summary: 'Run history, newest first: per-task counts, bytes, duration, errors',
        params: nameParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 200 } },
        },
        response: {
          200: { type: 'object', properties: { runs: { type: 'array', items: anyObject } } },
          404: errorReply,
        },
      },
    },
    async (req) => {
      const job = await jobOf(ctx, req.params.name);
      return { runs: ctx.scheduler ? await ctx.scheduler.history.list(job.name, req.query.limit ?? 20) : [] };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/runs/:id/log',
    {
      schema: {
        summary: "A recent run's log lines and latest progress (kept in memory)",
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,100}$' } },
        },
        response: { 404: errorReply },
      },
    },
    async (req) => {
      const view = logs.get(req.params.id);
      if (!view)
        throw new HttpError(
          404,
          `no log kept for run '${req.params.id}' (only the last runs since the daemon started are kept)`,
        );
      return view;
    },
  );
}
