// Pieces shared by the files/* routes.
import { t, dflt, opt } from '../args.ts';
import { LookupFailure, WriteFailure, nest, routeError, tag } from '../errors.ts';
import type { Call, RouteDef } from '../state.ts';
import { fold } from '../tree.ts';

export const bool = (v: boolean) => dflt(t.bool, v);
export { t, opt, dflt };

/** Runs `fn`, turning storage failures into the route's union member `member`. */
export function asRouteError<T>(member: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LookupFailure || err instanceof WriteFailure) throw routeError(nest(member, err.error));
    throw err;
  }
}

/** Namespace roots under which this caller must see nothing (other members' homes). */
export function hiddenPrefixes(call: Call): string[] {
  const { caller, st } = call;
  const out: string[] = [];
  for (const [id, ns] of st.tree.namespaces) {
    if (caller.accessible.has(id) || st.tree.isUnder(caller.root, ns)) continue;
    out.push(fold(st.tree.displayPath(ns)));
  }
  return out;
}

export function isHidden(lower: string, hidden: string[]): boolean {
  return hidden.some((h) => lower === h || lower.startsWith(h + '/'));
}

/** The `/check` route of an async batch: the job's result, or invalid_async_job_id. */
export function jobCheckRoute(name: string): RouteDef {
  return {
    name,
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({ async_job_id: t.str({ min: 1 }) }),
    async handle(call) {
      const job = call.st.jobs.get(call.arg.async_job_id);
      if (!job) throw routeError(tag('invalid_async_job_id'));
      return job;
    },
  };
}
