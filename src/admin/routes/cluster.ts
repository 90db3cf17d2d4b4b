// The cluster as this daemon sees it: the store's health and every daemon the store
// knows, with its heartbeat and the runs it holds (GET /api/cluster, the admin page's
// cluster view). With the file store the cluster is this one daemon.
import type { FastifyInstance } from 'fastify';
import type { AdminContext } from '../context.ts';
import type { Store, StoreHealth } from '../../store/store.ts';
import type { DaemonStatus } from '../../store/daemons.ts';
import { oneLine } from '../../one-line.ts';

/** /health answers monitors promptly: a store that has not listed its daemons by then counts none. */
const LIST_WAIT_MS = 2_000;

export interface ClusterView {
  store: StoreHealth;
  daemons: Array<Omit<DaemonStatus, 'version'>>;
}

/** The daemons, or the reason they cannot be listed (in `store.error`). */
export async function clusterView(store: Store): Promise<ClusterView> {
  const health = store.health();
  try {
    const daemons = await listSoon(store);
    return {
      store: health,
      daemons: daemons.map((d) => ({
        id: d.id,
        host: d.host,
        pid: d.pid,
        startedAt: d.startedAt,
        heartbeatAt: d.heartbeatAt,
        alive: d.alive,
        self: d.self,
        running: d.running,
      })),
    };
  } catch (err) {
    return { store: { kind: health.kind, ok: false, error: oneLine(err, 200) }, daemons: [] };
  }
}

/** How many daemons are alive (for /health); undefined when the store cannot say. */
export async function aliveDaemons(store: Store): Promise<number | undefined> {
  try {
    return (await listSoon(store)).filter((d) => d.alive).length;
  } catch {
    return undefined;
  }
}

function listSoon(store: Store): Promise<DaemonStatus[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the store did not list the daemons within ${LIST_WAIT_MS / 1000} s`)),
      LIST_WAIT_MS,
    );
  });
  return Promise.race([store.daemons(), late]).finally(() => clearTimeout(timer));
}

const run = {
  type: 'object',
  required: ['runId', 'job', 'startedAt'],
  properties: { runId: { type: 'string' }, job: { type: 'string' }, startedAt: { type: 'string' } },
};
const daemon = {
  type: 'object',
  required: ['id', 'host', 'pid', 'startedAt', 'heartbeatAt', 'alive', 'self', 'running'],
  properties: {
    id: { type: 'string' },
    host: { type: 'string' },
    pid: { type: 'integer' },
    startedAt: { type: 'string' },
    heartbeatAt: { type: 'string' },
    alive: { type: 'boolean' },
    self: { type: 'boolean' },
    running: { type: 'array', items: run },
  },
};

export function clusterRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get(
    '/api/cluster',
    {
      schema: {
        summary: "The store's health and the cluster's daemons: heartbeat, alive, and the runs each holds",
        response: {
          200: {
            type: 'object',
            required: ['store', 'daemons'],
            properties: {
              store: {
                type: 'object',
                required: ['kind', 'ok'],
                properties: { kind: { type: 'string' }, ok: { type: 'boolean' }, error: { type: 'string' } },
              },
              daemons: { type: 'array', items: daemon },
            },
          },
        },
      },
    },
    async () => clusterView(ctx.store),
  );
}
