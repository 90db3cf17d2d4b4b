// What the job editor asks while the user types a schedule: the next runs and the
// words for a cron expression in a time zone (or why it is not valid), and the time
// zones there are to pick from. The checks are the loader's own.
import type { FastifyInstance } from 'fastify';
import { cronProblem, isValidTimeZone } from '../../config/load.ts';
import { nextRuns } from '../../scheduler/next-run.ts';
import type { AdminContext } from '../context.ts';
import { cronToWords } from '../cron-words.ts';

const PREVIEW_RUNS = 5;

/** The IANA zones this runtime knows; `UTC` is valid everywhere but not always listed. */
function timeZones(): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

export function scheduleRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get<{ Querystring: { cron: string; timezone?: string } }>(
    '/api/schedule',
    {
      schema: {
        summary: "A schedule's next runs and its words, or the problem with it (the loader's own check)",
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['cron'],
          properties: { cron: { type: 'string', maxLength: 200 }, timezone: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (req) => {
      const timezone = req.query.timezone || ctx.loaded().config.timezone;
      if (!isValidTimeZone(timezone))
        return { timezone, problem: `'${timezone}' is not a known IANA time zone (e.g. Europe/Berlin, UTC)` };
      const cron = req.query.cron.trim();
      const problem = cron ? cronProblem(cron, timezone) : 'enter a schedule, e.g. 0 2 * * * (every day at 02:00)';
      if (problem) return { timezone, problem };
      return {
        timezone,
        words: cronToWords(cron),
        nextRuns: nextRuns(cron, timezone, PREVIEW_RUNS).map((d) => d.toISOString()),
      };
    },
  );

  app.get(
    '/api/timezones',
    { schema: { summary: 'Time zones to pick from, and the default of config.yaml' } },
    async () => ({
      timezones: timeZones(),
      default: ctx.loaded().config.timezone,
    }),
  );
}
