// `dropcron doctor`, the Dropbox part: per connection, Dropbox (or the sandbox) answers
// through the connection's proxy, the clock agrees with its Date header, and the grant
// holds the scopes the connection's tasks need; per job, its local folders are usable
// and the disks its downloads land on have room for them.
import type { ConnectionDefinition, DoctorCheck, DoctorContext, Services } from '../../../src/plugin.ts';
import { oneLine, request } from '../../../src/plugin.ts';
import { resolveEndpoints, scopesOf } from '../auth/app.ts';
import { grantState } from '../auth/grant.ts';
import { diskChecks } from './disk.ts';
import { folderChecks } from './folders.ts';

/** Beyond this the clock is wrong enough to matter: token expiry, and schedules fire off time. */
export const MAX_SKEW_MS = 60_000;

/** Scopes each task type calls for; a type not listed (another plugin's) needs none here. */
const TASK_SCOPES: Record<string, string[]> = {
  upload: ['files.metadata.read', 'files.content.write'],
  download: ['files.metadata.read', 'files.content.read'],
  list: ['files.metadata.read'],
  'create-folder': ['files.content.write'],
  delete: ['files.metadata.read', 'files.content.write'],
  copy: ['files.metadata.read', 'files.content.write'],
  move: ['files.metadata.read', 'files.content.write'],
};

/** A task's scopes: its type's, and those its options call for (sync's direction, links). */
function taskScopes(type: string, options: Record<string, unknown>): string[] {
  const out = [...(TASK_SCOPES[type] ?? [])];
  if (type === 'sync')
    out.push('files.metadata.read', options.direction === 'down' ? 'files.content.read' : 'files.content.write');
  const link = options.link;
  if (link === 'temporary') out.push('files.content.read');
  else if (link !== undefined && link !== null) out.push('sharing.write');
  return out;
}

export async function doctor(ctx: DoctorContext): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  for (const def of ctx.connections) {
    out.push(...(await reachChecks(def, ctx.services)));
    const scopes = await scopeCheck(def, ctx);
    if (scopes) out.push(scopes);
  }
  for (const job of ctx.jobs) out.push(...(await folderChecks(job, ctx.baseDir)), ...(await diskChecks(job, ctx)));
  return out;
}

/** One request to the API: whether it answers through the connection's way out, and its clock. */
async function reachChecks(def: ConnectionDefinition, services: Services): Promise<DoctorCheck[]> {
  const subject = `connection '${def.name}': ${def.sandbox ? 'the sandbox' : 'Dropbox'}`;
  let api: string;
  try {
    api = resolveEndpoints(def, services).api;
  } catch (err) {
    return [{ subject, ok: false, detail: oneLine(err), fix: `correct ${def.file} or config.yaml` }];
  }
  const sent = Date.now();
  let date: string | undefined;
  try {
    const res = await request(`${api}/2/check/user`, {
      method: 'POST',
      dispatcher: services.dispatcherFor(def),
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    await res.body.dump();
    date = typeof res.headers.date === 'string' ? res.headers.date : undefined;
  } catch (err) {
    return [
      {
        subject,
        ok: false,
        detail: `${api} cannot be reached${def.proxy ? ' through the proxy' : ''}: ${oneLine(err)}`,
        fix: def.proxy
          ? 'check that the proxy is up and lets it through to that address'
          : def.sandbox
            ? 'check dropbox.sandboxPort in config.yaml: another program may hold the port'
            : 'check the network and the firewall',
      },
    ];
  }
  const now = (sent + Date.now()) / 2;
  const reached: DoctorCheck = { subject, ok: true, detail: `${api} answers` };
  const theirs = date ? Date.parse(date) : NaN;
  if (Number.isNaN(theirs)) return [reached];
  // The Date header has whole seconds; half a second either way is no skew.
  const skew = Math.round((now - theirs) / 1000);
  const clock = `connection '${def.name}': clock`;
  if (Math.abs(skew * 1000) <= MAX_SKEW_MS)
    return [reached, { subject: clock, ok: true, detail: `within ${Math.max(1, Math.abs(skew))} s of ${api}` }];
  return [
    reached,
    {
      subject: clock,
      ok: false,
      detail: `this machine's clock is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} ${api} (sign-in and schedules depend on it)`,
      fix: 'sync the clock with NTP (timedatectl set-ntp true)',
    },
  ];
}

async function scopeCheck(def: ConnectionDefinition, ctx: DoctorContext): Promise<DoctorCheck | undefined> {
  const users = ctx.jobs.filter((j) => j.connection === def.name);
  const needs = new Map<string, string[]>();
  for (const j of users)
    for (const t of j.tasks)
      for (const s of taskScopes(t.type, t.options)) needs.set(s, [...new Set([...(needs.get(s) ?? []), j.name])]);
  if (!needs.size) return undefined;
  const subject = `connection '${def.name}': scopes`;
  // The grant's scopes once signed in, else those the connection will ask for.
  const granted = ctx.vault ? (await grantState(ctx.services, def.name).catch(() => undefined))?.scopes : undefined;
  const have = granted ?? scopesOf(def);
  const missing = [...needs.keys()].filter((s) => !have.includes(s));
  if (!missing.length)
    return {
      subject,
      ok: true,
      detail: `${granted ? 'granted' : 'asked for'}: enough for the tasks of ${users.length} job(s)`,
    };
  const why = missing.map((s) => `${s} (jobs ${needs.get(s)!.join(', ')})`).join(', ');
  return {
    subject,
    ok: false,
    detail: `the ${granted ? 'grant' : 'connection'} lacks ${why}`,
    fix: granted
      ? `sign it in again with the scopes: dropcron auth ${def.name}`
      : `add ${missing.join(' ')} to scopes: in ${def.file}, then sign it in`,
  };
}
