// Connections: list, read, create, edit, delete, test, browse, disconnect. Settings
// go to the connection's YAML file (comments kept, checked by the loader first);
// secret fields go to the encrypted vault and come back only as set / not set.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readFile, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { parseYaml, type Env } from '../../config/yaml-file.ts';
import type { ConnectionDefinition, ConnectionStatus, ConnectionType } from '../../plugin.ts';
import { fsyncDir } from '../../store/atomic.ts';
import { connectionOf, HttpError, pluginError, MAX_ERROR_CHARS, type AdminContext } from '../context.ts';
import { oneLine } from '../../one-line.ts';
import { proxyText } from '../../net/proxy-text.ts';
import { folderProblems } from '../folder-problems.ts';
import { describeSecret, secretPaths, settingApplies, withoutSecrets, type SecretInfo } from '../secrets.ts';
import { editedText, fileEditQueue, newFileText, writeChecked, type Edit } from '../yaml-edit.ts';
import { basedOn, refuseStale, sendVersion, versionOf } from '../versions.ts';
import { anyObject, errorReply, nameParams, NAME_PATTERN, secretsBody, settingsBody } from './schemas.ts';
import { connectionChoiceRoutes } from './connection-choices.ts';

export type StatusState = ConnectionStatus['state'] | 'unknown';

export interface ConnectionSummary {
  name: string;
  type: string;
  file: string;
  description?: string;
  /** The plugin's `describe()`: its own fields worth a glance ({} when it has none). */
  facts: Record<string, string>;
  proxy: string;
  sandbox: boolean;
  status: { state: StatusState; label?: string; detail?: string };
  lastUsed: string | null;
  jobs: string[];
}

export async function statusOf(
  ctx: AdminContext,
  def: ConnectionDefinition,
  ct: ConnectionType,
): Promise<ConnectionSummary['status']> {
  if (!ct.status) return { state: 'unknown', detail: `the ${ct.type} plugin does not report status` };
  try {
    const s = await ct.status(def, ctx.services);
    return { state: s.state, label: s.label, detail: s.detail };
  } catch (err) {
    return { state: 'error', detail: oneLine(err, MAX_ERROR_CHARS) };
  }
}

/** When each connection was last used: the newest run of any job using it. */
async function lastUsedByConnection(ctx: AdminContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const history = ctx.scheduler?.history;
  if (!history) return out;
  for (const job of ctx.loaded().jobs) {
    const [last] = await history.list(job.name, 1).catch(() => []);
    const at = last?.endedAt ?? last?.startedAt;
    if (at && (!out.has(job.connection) || out.get(job.connection)! < at)) out.set(job.connection, at);
  }
  return out;
}

async function summary(
  ctx: AdminContext,
  def: ConnectionDefinition,
  ct: ConnectionType,
  lastUsed: Map<string, string>,
): Promise<ConnectionSummary> {
  return {
    name: def.name,
    type: def.type,
    file: basename(def.file),
    description: typeof def.description === 'string' ? def.description : undefined,
    facts: ct.describe?.(def) ?? {},
    proxy: proxyText(def.proxy),
    sandbox: def.sandbox === true,
    status: await statusOf(ctx, def, ct),
    lastUsed: lastUsed.get(def.name) ?? null,
    jobs: ctx
      .loaded()
      .jobs.filter((j) => j.connection === def.name)
      .map((j) => j.name),
  };
}

/** An environment in which every ${NAME} reads as itself (`$${` still reads as `${`). */
const REFERENCES: Env = new Proxy({}, { get: (_t, name) => (typeof name === 'string' ? `\${${name}}` : undefined) });

/**
 * Everything the edit form needs: settings without secrets, where each secret is set,
 * and the file's version (sent back as If-Match with the edit).
 */
async function details(ctx: AdminContext, def: ConnectionDefinition, ct: ConnectionType) {
  const paths = secretPaths(ct.schema);
  const source = await readFile(def.file, 'utf8');
  const raw = parseDocument(source);
  const vault = await ctx.store.vault();
  const stored = new Set(await vault.secretNames(def.name));
  const secrets: Record<string, SecretInfo> = {};
  for (const p of paths) secrets[p] = describeSecret(raw.getIn(p.split('.')), stored.has(p));
  // What the file says, not the definition with schema defaults filled in: the form
  // sends it back, and defaults must not end up written into the file. A ${VAR} written
  // by hand shows as the reference, never as the daemon's value: the form edits the
  // file's text, and no variable of the daemon is read through the API.
  const written = (parseYaml(def.file, source, REFERENCES).data ?? {}) as Record<string, unknown>;
  const { name, type, ...rest } = written;
  void name;
  void type;
  return {
    ...(await summary(ctx, def, ct, await lastUsedByConnection(ctx))),
    settings: withoutSecrets(rest, paths),
    secrets,
    secretFields: paths,
    callbackUrl: `${ctx.origin()}/oauth2/callback`,
    version: versionOf(source),
  };
}

/** Splits the body's secrets into vault changes, refusing fields that are not secret. */
function vaultChanges(
  body: Record<string, string | null> | undefined,
  paths: string[],
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(body ?? {})) {
    if (!paths.includes(k))
      throw new HttpError(400, `'${k}' is not a secret field (secret fields: ${paths.join(', ') || 'none'})`);
    out[k] = v === null || v === '' ? undefined : v;
  }
  return out;
}

/** Secrets given to the form may not be smuggled in through the settings. */
function refuseSecretsInSettings(settings: Record<string, unknown>, paths: string[]): void {
  for (const p of paths) {
    const segs = p.split('.');
    let cur: unknown = settings;
    for (const s of segs) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[s] : undefined;
    if (cur !== undefined && cur !== null)
      throw new HttpError(
        400,
        `settings.${p} is secret: send it in "secrets" so it is stored encrypted, not in the YAML file`,
      );
  }
}

interface EditBody {
  settings: Record<string, unknown>;
  secrets?: Record<string, string | null>;
}
type EditRequest = FastifyRequest<{ Params: { name: string }; Body: EditBody }>;

export function connectionRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const vault = () => ctx.store.vault();

  app.get(
    '/api/connections',
    {
      schema: {
        summary: 'Connections with their status',
        response: { 200: { type: 'object', properties: { connections: { type: 'array', items: anyObject } } } },
      },
    },
    async () => {
      await ctx.reload();
      const loaded = ctx.loaded();
      const lastUsed = await lastUsedByConnection(ctx);
      const connections = await Promise.all(
        loaded.connections.map((def) => summary(ctx, def, loaded.registry.connectionTypes.get(def.type)!, lastUsed)),
      );
      const problems = folderProblems(loaded, loaded.config.connections);
      return { connections, problems, types: [...loaded.registry.connectionTypes.keys()] };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/connections/:name',
    {
      schema: {
        summary: 'One connection: settings (no secrets), secrets as set / not set, status',
        params: nameParams,
        response: { 404: errorReply },
      },
    },
    async (req, reply) => {
      const { def, ct } = connectionOf(ctx, req.params.name);
      const connection = await details(ctx, def, ct);
      sendVersion(reply, connection.version);
      return { connection };
    },
  );

  app.post<{ Body: EditBody & { name: string; type: string } }>(
    '/api/connections',
    {
      schema: {
        summary: 'Create a connection file',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'type', 'settings'],
          properties: {
            name: { type: 'string', pattern: NAME_PATTERN },
            type: { type: 'string', minLength: 1 },
            settings: settingsBody,
            secrets: secretsBody,
          },
        },
        response: { 400: errorReply, 409: errorReply },
      },
    },
    async (req, reply) => {
      const loaded = ctx.loaded();
      const { name, type, settings, secrets } = req.body;
      const ct = loaded.registry.connectionTypes.get(type);
      if (!ct)
        throw new HttpError(
          400,
          `unknown connection type '${type}' (known: ${[...loaded.registry.connectionTypes.keys()].join(', ')})`,
        );
      const file = join(loaded.config.connections, `${name}.yaml`);
      const paths = secretPaths(ct.schema);
      refuseSecretsInSettings(settings, paths);
      const changes = vaultChanges(secrets, paths);
      const order = Object.keys((ct.schema.properties ?? {}) as object);
      await fileEditQueue.run(file, async () => {
        if (loaded.connections.some((c) => c.name === name) || existsSync(file))
          throw new HttpError(409, `a connection named '${name}' already exists`);
        await writeChecked(loaded, ctx.env, file, newFileText(name, type, settings, order));
        if (Object.values(changes).some((v) => v !== undefined))
          await (await vault()).update(name, { secrets: changes });
      });
      await ctx.reload();
      ctx.bus.emit('connection', { name, reason: 'created' });
      const { def, ct: t } = connectionOf(ctx, name);
      const connection = await details(ctx, def, t);
      sendVersion(reply, connection.version);
      return reply.code(201).send({ connection });
    },
  );

  const edit = (mode: Edit['mode']) => async (req: EditRequest, reply: FastifyReply) => {
    const loaded = ctx.loaded();
    const { def, ct } = connectionOf(ctx, req.params.name);
    const paths = secretPaths(ct.schema);
    const { settings, secrets } = req.body;
    refuseSecretsInSettings(settings, paths);
    const changes = vaultChanges(secrets, paths);
    const version = basedOn(req, `/api/connections/${def.name}`);
    await fileEditQueue.run(def.file, async () => {
      const source = await readFile(def.file, 'utf8');
      refuseStale(source, version, `connection '${def.name}'`);
      // A secret set or cleared here replaces whatever the YAML held for it.
      const text = editedText(def.file, source, ctx.env, {
        settings,
        mode,
        secretPaths: paths,
        dropSecrets: Object.keys(changes),
      });
      if (text !== source) await writeChecked(loaded, ctx.env, def.file, text);
      // A secret of a setting the edit removed (the proxy switched off, the own app given
      // up) goes too: kept, it would come back unseen when the setting is turned on again.
      const after = (parseYaml(def.file, text, REFERENCES).data ?? {}) as Record<string, unknown>;
      for (const p of await (await vault()).secretNames(def.name))
        if (paths.includes(p) && !(p in changes) && !settingApplies(ct.schema, p, after)) changes[p] = undefined;
      if (Object.keys(changes).length) await (await vault()).update(def.name, { secrets: changes });
    });
    await ctx.reload();
    ctx.bus.emit('connection', { name: def.name, reason: 'edited' });
    const fresh = connectionOf(ctx, def.name);
    const connection = await details(ctx, fresh.def, fresh.ct);
    sendVersion(reply, connection.version);
    return { connection };
  };
  const editSchema = (summary: string) => ({
    summary,
    params: nameParams,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['settings'],
      properties: { settings: settingsBody, secrets: secretsBody },
    },
    headers: {
      type: 'object',
      properties: { 'if-match': { type: 'string', description: 'The ETag of the GET this edit is based on' } },
    },
    response: { 400: errorReply, 404: errorReply, 409: errorReply, 428: errorReply },
  });
  app.put<{ Params: { name: string }; Body: EditBody }>(
    '/api/connections/:name',
    { schema: editSchema('Replace the settings (keys left out are removed; comments kept)') },
    edit('replace'),
  );
  app.patch<{ Params: { name: string }; Body: EditBody }>(
    '/api/connections/:name',
    { schema: editSchema('Change some settings (null removes a key; comments kept)') },
    edit('merge'),
  );

  app.delete<{ Params: { name: string } }>(
    '/api/connections/:name',
    {
      schema: {
        summary: 'Revoke, forget the stored secrets and delete the file',
        params: nameParams,
        response: { 404: errorReply, 409: errorReply },
      },
    },
    async (req, reply) => {
      const { def, ct } = connectionOf(ctx, req.params.name);
      const users = ctx
        .loaded()
        .jobs.filter((j) => j.connection === def.name)
        .map((j) => j.name);
      if (users.length)
        throw new HttpError(
          409,
          `connection '${def.name}' is used by job${users.length > 1 ? 's' : ''} ${users.join(', ')}; change or delete ${users.length > 1 ? 'them' : 'it'} first`,
        );
      if (ct.disconnect)
        await ct
          .disconnect(def, ctx.services)
          .catch((err) =>
            ctx.log.warn(
              { connection: def.name, err: { message: (err as Error).message } },
              'revoking before delete failed',
            ),
          );
      await (await vault()).forget(def.name);
      await unlink(def.file);
      await fsyncDir(dirname(def.file));
      await ctx.reload();
      ctx.bus.emit('connection', { name: def.name, reason: 'deleted' });
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { name: string } }>(
    '/api/connections/:name/test',
    {
      schema: {
        summary: 'Check the connection end to end (account, scopes, quota, proxy round trip)',
        params: nameParams,
        response: { 404: errorReply },
      },
    },
    async (req) => {
      const { def, ct } = connectionOf(ctx, req.params.name);
      if (!ct.test) throw new HttpError(501, `the ${ct.type} plugin cannot test connections`);
      try {
        return { report: await ct.test(def, ctx.services) };
      } catch (err) {
        throw pluginError(err);
      }
    },
  );

  app.get<{ Params: { name: string }; Querystring: { path?: string } }>(
    '/api/connections/:name/browse',
    {
      schema: {
        summary: "List one folder ('' is the root)",
        params: nameParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { path: { type: 'string', maxLength: 4096 } },
        },
        response: { 404: errorReply },
      },
    },
    async (req) => {
      const { def, ct } = connectionOf(ctx, req.params.name);
      if (!ct.browse) throw new HttpError(501, `the ${ct.type} plugin cannot browse folders`);
      const path = req.query.path ?? '';
      if (path !== '' && !path.startsWith('/'))
        throw new HttpError(400, `path must be '' (the root) or start with '/', got '${path}'`);
      try {
        return { path, entries: await ct.browse(def, ctx.services, path) };
      } catch (err) {
        throw pluginError(err);
      }
    },
  );

  app.post<{ Params: { name: string } }>(
    '/api/connections/:name/disconnect',
    {
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        summary: 'Revoke the grant at the service and forget it locally',
        params: nameParams,
        response: { 404: errorReply },
      },
    },
    async (req) => {
      const { def, ct } = connectionOf(ctx, req.params.name);
      if (!ct.disconnect) throw new HttpError(501, `the ${ct.type} plugin cannot disconnect`);
      let result;
      try {
        result = await ct.disconnect(def, ctx.services);
      } catch (err) {
        throw pluginError(err);
      }
      ctx.bus.emit('connection', { name: def.name, reason: 'disconnected' });
      return { ...result, status: await statusOf(ctx, def, ct) };
    },
  );

  connectionChoiceRoutes(app, ctx);
}
