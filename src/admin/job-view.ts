// What the API shows of a job: its summary for the list (schedule in words, next run,
// last outcome, file problems) and its details for the job page and the editor
// (the definition as its file says, the file's version, the remote folders of its tasks).
import type { FastifyReply } from 'fastify';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { JobDefinition } from '../config/types.ts';
import { parseYaml } from '../config/yaml-file.ts';
import { nextRuns } from '../scheduler/next-run.ts';
import { cronToWords } from './cron-words.ts';
import { HttpError, type AdminContext } from './context.ts';
import { folderProblems } from './folder-problems.ts';
import { sendVersion, versionOf } from './versions.ts';

/**
 * Task option keys that hold a path in the connection's remote store: the task schema
 * marks them `"x-remotePath": true`.
 */
export function folderKeys(ctx: AdminContext, type: string): string[] {
  const props = (ctx.loaded().registry.taskTypes.get(type)?.schema.properties ?? {}) as Record<
    string,
    { 'x-remotePath'?: unknown }
  >;
  return Object.entries(props)
    .filter(([, s]) => s['x-remotePath'] === true)
    .map(([k]) => k);
}

/** The job the scheduler runs under that name; a name not known yet re-reads the files once (added on disk). */
export async function jobOf(ctx: AdminContext, name: string): Promise<JobDefinition> {
  const find = () => ctx.loaded().jobs.find((j) => j.name === name);
  let job = find();
  if (!job) {
    await ctx.reload();
    job = find();
  }
  if (!job) throw new HttpError(404, `no job named '${name}'`);
  return job;
}

export function summary(ctx: AdminContext, job: JobDefinition) {
  const health = (ctx.scheduler?.health() as { jobs?: Array<Record<string, unknown>> } | undefined)?.jobs?.find(
    (j) => j.name === job.name,
  );
  let next: string | null = (health?.nextRun as string | null | undefined) ?? null;
  if (!health && job.enabled && job.schedule !== undefined)
    next = nextRuns(job.schedule, job.timezone, 1)[0]?.toISOString() ?? null;
  return {
    name: job.name,
    file: basename(job.file),
    description: job.description,
    enabled: job.enabled,
    schedule: job.schedule ?? null,
    // When it runs, in words: the page shows this line for both ways a job starts.
    scheduleWords: [
      job.schedule !== undefined ? cronToWords(job.schedule) : undefined,
      job.trigger ? `on ${job.trigger.type} change` : undefined,
    ]
      .filter(Boolean)
      .join(', and '),
    /** The trigger type that starts the job besides (or instead of) its schedule. */
    trigger: job.trigger?.type ?? null,
    timezone: job.timezone,
    connection: job.connection,
    tasks: job.tasks.map((t) => t.type),
    nextRun: next,
    lastOutcome: (health?.lastOutcome as string | null | undefined) ?? null,
    lastRunAt: (health?.lastRunAt as string | null | undefined) ?? null,
    running: health?.running === true,
    runId: (health?.runId as string | null | undefined) ?? null,
    // A file broken since: what runs is its last valid version, shown with the file's problems.
    fileProblems: folderProblems(ctx.loaded(), dirname(job.file)).filter((p) => p.file === basename(job.file)),
  };
}

/**
 * One job for its page and the editor, with the file's version sent as the ETag. The
 * definition is what the file says (not the loaded job with defaults filled in): the
 * editor sends changed fields back, and defaults must not end up written into the file.
 */
export async function jobDetail(ctx: AdminContext, job: JobDefinition, reply: FastifyReply) {
  const source = await readFile(job.file, 'utf8');
  const version = versionOf(source);
  sendVersion(reply, version);
  const { name: _name, ...definition } = (parseYaml(job.file, source, ctx.env).data ?? {}) as Record<string, unknown>;
  return {
    ...summary(ctx, job),
    version,
    definition,
    overlap: job.overlap,
    nextRuns:
      job.enabled && job.schedule !== undefined
        ? nextRuns(job.schedule, job.timezone, 3).map((d) => d.toISOString())
        : [],
    taskDetails: job.tasks.map((t, index) => {
      const keys = folderKeys(ctx, t.type);
      return {
        index,
        type: t.type,
        folders: Object.fromEntries(keys.map((k) => [k, typeof t.options[k] === 'string' ? t.options[k] : null])),
      };
    }),
  };
}
