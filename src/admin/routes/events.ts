// Server-sent events for the page: connection changes and the scheduler's run events
// (start, progress, log lines, end). Progress is thinned to a few updates a second
// per run; everything sent is already browser-safe (names, counts, one-line messages).
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { AdminContext } from '../context.ts';
import type { RunProgressEvent } from '../../scheduler/events.ts';

const PROGRESS_EVERY_MS = 250;
const HEARTBEAT_MS = 15_000;

export function eventRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const streams = new Set<ServerResponse>();
  // Open streams would keep close() waiting forever.
  app.addHook('preClose', async () => {
    for (const s of streams) s.end();
  });

  app.get(
    '/api/events',
    { schema: { summary: 'Live events (text/event-stream): connection, run:start, run:progress, run:log, run:end' } },
    (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        connection: 'keep-alive',
      });
      streams.add(res);
      const send = (event: string, data: unknown) => {
        if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      send('hello', { at: new Date().toISOString() });
      const lastProgress = new Map<string, number>();
      const offs: Array<() => void> = [];
      const on = <A extends unknown[]>(
        em: { on(e: string, f: (...a: A) => void): unknown; off(e: string, f: (...a: A) => void): unknown },
        event: string,
        f: (...a: A) => void,
      ) => {
        em.on(event, f);
        offs.push(() => em.off(event, f));
      };
      on(ctx.bus as never, 'connection', (e: unknown) => send('connection', e));
      const ev = ctx.scheduler?.events;
      if (ev) {
        on(ev as never, 'run:start', (e: unknown) => send('run:start', e));
        on(ev as never, 'run:log', (e: unknown) => send('run:log', e));
        on(ev as never, 'run:progress', (e: RunProgressEvent) => {
          const now = Date.now();
          const finished = e.files.done === e.files.total;
          if (!finished && now - (lastProgress.get(e.runId) ?? 0) < PROGRESS_EVERY_MS) return;
          lastProgress.set(e.runId, now);
          send('run:progress', e);
        });
        on(ev as never, 'run:end', (e: { run: { id: string } }) => {
          lastProgress.delete(e.run.id);
          send('run:end', e);
        });
      }
      const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const cleanup = () => {
        clearInterval(beat);
        for (const off of offs) off();
        streams.delete(res);
      };
      req.raw.on('close', cleanup);
      res.on('close', cleanup);
    },
  );
}
