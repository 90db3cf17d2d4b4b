// Jobs built in the browser: create, edit (the changed fields, based on a version),
// duplicate and delete job files. Every write is checked by the one config loader
// first (problems come back with their file:line:col and field path) and replaces
// the file atomically; comments and key order the user wrote survive an edit.
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import jobSchema from '../../config/schemas/job.schema.json' with { type: 'json' };
import { fsyncDir } from '../../store/atomic.ts';
import { HttpError, type AdminContext } from '../context.ts';
import { jobDetail, jobOf } from '../job-view.ts';
import { duplicatedJobText, editedJobText, newJobText } from '../job-yaml.ts';
import { basedOn, refuseStale } from '../versions.ts';
import { fileEditQueue, writeChecked } from '../yaml-edit.ts';
import { errorReply, nameParams, NAME_PATTERN } from './schemas.ts';

/** A job's fields as its file holds them (less the name); the loader checks them in depth. */
const definitionBody = { type: 'object', maxProperties: 32, not: { required: ['name'] } } as const;
const KEY_ORDER = Object.keys(jobSchema.properties);
const newName = { type: 'string', pattern: NAME_PATTERN } as const;

/** A new job's file: named after the job, refused when that file or a job of that name exists. */
function newJobFile(ctx: AdminContext, name: string): string {
  const loaded = ctx.loaded();
  const file = join(loaded.config.jobs, `${name}.yaml`);
  if (loaded.jobs.some((j) => j.name === name) || existsSync(file) || existsSync(file.replace(/\.yaml$/, '.yml')))
    throw new HttpError(409, `a job named '${name}' already exists`);
  return file;
}

export function jobEditRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.post<{ Body: { name: string; definition: Record<string, unknown> } }>(
    '/api/jobs',
    {
      schema: {
        summary: 'Create a job file (checked by the loader as `validate` does; problems name their field)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'definition'],
          properties: { name: newName, definition: definitionBody },
        },
        response: { 400: errorReply, 409: errorReply },
      },
    },
    async (req, reply) => {
      const { name, definition } = req.body;
      await ctx.reload();
      const file = newJobFile(ctx, name);
      await fileEditQueue.run(file, async () => {
        if (existsSync(file)) throw new HttpError(409, `a job named '${name}' already exists`);
        await writeChecked(ctx.loaded(), ctx.env, file, newJobText(name, definition, KEY_ORDER));
      });
      await ctx.reload();
      return reply.code(201).send({ job: await jobDetail(ctx, await jobOf(ctx, name), reply) });
    },
  );

  app.patch<{ Params: { name: string }; Body: { definition: Record<string, unknown> } }>(
    '/api/jobs/:name',
    {
      schema: {
        summary: 'Change some fields of a job (null removes one; the task list as a whole; comments kept)',
        params: nameParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['definition'],
          properties: { definition: definitionBody },
        },
        headers: {
          type: 'object',
          properties: { 'if-match': { type: 'string', description: 'The ETag of the GET this edit is based on' } },
        },
        response: { 400: errorReply, 404: errorReply, 409: errorReply, 428: errorReply },
      },
    },
    async (req, reply) => {
      const job = await jobOf(ctx, req.params.name);
      const version = basedOn(req, `/api/jobs/${job.name}`);
      await fileEditQueue.run(job.file, async () => {
        const source = await readFile(job.file, 'utf8');
        refuseStale(source, version, `job '${job.name}'`);
        const text = editedJobText(job.file, source, ctx.env, req.body.definition);
        if (text !== source) await writeChecked(ctx.loaded(), ctx.env, job.file, text);
      });
      await ctx.reload();
      return { job: await jobDetail(ctx, await jobOf(ctx, job.name), reply) };
    },
  );

  app.post<{ Params: { name: string }; Body: { name: string } }>(
    '/api/jobs/:name/duplicate',
    {
      schema: {
        summary: 'Copy a job file under a new name (comments kept); the copy starts disabled',
        params: nameParams,
        body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: newName } },
        response: { 400: errorReply, 404: errorReply, 409: errorReply },
      },
    },
    async (req, reply) => {
      const job = await jobOf(ctx, req.params.name);
      const file = newJobFile(ctx, req.body.name);
      await fileEditQueue.run(file, async () => {
        if (existsSync(file)) throw new HttpError(409, `a job named '${req.body.name}' already exists`);
        const text = duplicatedJobText(job.file, await readFile(job.file, 'utf8'), ctx.env, req.body.name);
        await writeChecked(ctx.loaded(), ctx.env, file, text);
      });
      await ctx.reload();
      return reply.code(201).send({ job: await jobDetail(ctx, await jobOf(ctx, req.body.name), reply) });
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/api/jobs/:name',
    {
      schema: {
        summary: "Delete a job's file (its run history is kept); refused while it runs",
        params: nameParams,
        response: { 404: errorReply, 409: errorReply },
      },
    },
    async (req, reply) => {
      const job = await jobOf(ctx, req.params.name);
      const health = ctx.scheduler?.health() as { jobs?: Array<{ name: string; running?: boolean }> } | undefined;
      if (health?.jobs?.some((j) => j.name === job.name && j.running))
        throw new HttpError(409, `job '${job.name}' is running; delete it when the run has ended`);
      await fileEditQueue.run(job.file, async () => {
        await unlink(job.file);
        await fsyncDir(dirname(job.file));
      });
      await ctx.reload();
      return reply.code(204).send();
    },
  );
}
