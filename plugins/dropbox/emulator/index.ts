// The Dropbox API v2 emulator ("sandbox"): a faithful stand-in for api.dropboxapi.com,
// content.dropboxapi.com and www.dropbox.com on one loopback port, for tests, demos
// and benchmarks. See README.md in this folder.
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { diskBlobStore, memoryBlobStore, type Blob } from './blobs.ts';
import { Faults, type FaultRule, type Realism } from './faults.ts';
import { allRoutes } from './routes/index.ts';
import { loadSeed, type Seed } from './seed.ts';
import { requestHandler, type RequestRecord } from './server.ts';
import { State } from './state.ts';
import { selfSignedCert } from './tls.ts';
import { Tokens } from './tokens.ts';
import { fold, nowStamp } from './tree.ts';
import { World } from './world.ts';
import { fileMeta } from './metadata.ts';
import { createMissing, writeTarget, lookup } from './paths.ts';

export type { Seed } from './seed.ts';
export type { FaultRule, Realism } from './faults.ts';
export type { RequestRecord } from './server.ts';

export interface EmulatorOptions {
  /** 0 = ephemeral (default). */
  port?: number;
  /** Default 127.0.0.1 ('::' or '::1' allowed). */
  host?: string;
  /** A seed object or the path of a YAML/JSON seed file; default: the built-in demo seed. */
  seed?: Seed | string;
  /** Keep file contents on disk here (streamed); default: in memory. */
  dataDir?: string;
  latencyMs?: number;
  bandwidthBytesPerSec?: number;
  /**
   * Serve HTTPS with a fresh self-signed certificate (its PEM is `emulator.ca`), or with
   * the given key and certificate (the benchmark's one for Dropbox's own host names).
   */
  tls?: boolean | { key: string; cert: string };
  /** Default 14400 (4 hours), as Dropbox. */
  accessTokenTtlSeconds?: number;
  /** Deleted files whose versions stay restorable (newest first); default 10,000. */
  deletedFilesKept?: number;
  log?: (line: object) => void;
}

export interface Emulator {
  /** e.g. http://127.0.0.1:41234 (no trailing slash); api, content and www routes alike. */
  url: string;
  /** With tls: the self-signed certificate (PEM) to trust. */
  ca?: string;
  close(): Promise<void>;
  seed: Seed;
  /** Mints tokens without the browser. Defaults: app 'dropcron-sandbox', the first personal account, all the app's scopes. */
  issueToken(opts?: { app?: string; account?: string; scopes?: string[]; ttlSeconds?: number; team?: boolean }): {
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
  };
  registerRedirectUri(appKey: string, uri: string): void;
  /** Every current access token now answers 401 expired_access_token. */
  expireAccessTokens(): void;
  revokeAll(): void;
  /** Every list_folder cursor now answers 409 reset. */
  resetCursors(): void;
  /** Moves the clock that link expiry is judged by (temporary and shared links) forward. */
  advanceClock(seconds: number): void;
  faults: {
    inject(rule: FaultRule): void;
    clear(): void;
    set(opts: Realism): void;
  };
  requests: RequestRecord[];
  files: {
    put(
      account: string,
      path: string,
      content: Buffer | string,
      opts?: { clientModified?: string | Date },
    ): Promise<unknown>;
    /** Many files with the same content, stored once: seeds 100,000 entries in seconds. */
    putMany(account: string, paths: string[], content: Buffer | string): Promise<void>;
    get(account: string, path: string): Promise<Buffer | undefined>;
    list(account: string): string[];
  };
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const seed = loadSeed(opts.seed);
  const blobs = opts.dataDir ? diskBlobStore(opts.dataDir) : memoryBlobStore();
  const world = new World(seed, blobs, opts.deletedFilesKept);
  const tokens = new Tokens(opts.accessTokenTtlSeconds ?? 14_400);
  const faults = new Faults();
  faults.set({ latencyMs: opts.latencyMs, bandwidthBytesPerSec: opts.bandwidthBytesPerSec });
  const st = new State(seed, world, tokens, blobs, faults);
  const requests: RequestRecord[] = [];
  const handler = requestHandler({ st, routes: allRoutes(), requests, log: opts.log });

  const tls = opts.tls === true ? selfSignedCert() : opts.tls || undefined;
  const server: Server = tls ? createHttps({ key: tls.key, cert: tls.cert }, handler) : createHttp(handler);
  // Bad requests at the HTTP level must never bring the emulator down.
  // The body names Node's reason (HPE_..., ERR_HTTP_...), so a client that meets one can say why.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const body = `Error in HTTP request: ${err.code ?? 'malformed request'}`;
    if (socket.writable)
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    else socket.destroy();
  });
  server.requestTimeout = 0;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  opts.log?.({ msg: 'emulator listening', url });

  const account = (q: string) => {
    const a = world.findAccount(q);
    if (!a) throw new Error(`no account '${q}' in the seed`);
    return a;
  };
  /** Direct access acts as the account's own full-access view of its home. */
  const scopeOf = (q: string) => {
    const a = account(q);
    return { tree: world.tree, root: a.home, accessible: world.accessibleNamespaces(a, true) };
  };

  // Seed files, if the seed has any.
  const seedFiles: Array<[string, string, string]> = [];
  for (const a of seed.accounts) for (const [p, c] of Object.entries(a.files ?? {})) seedFiles.push([a.id, p, c]);
  for (const t of seed.teams ?? [])
    for (const m of t.members) for (const [p, c] of Object.entries(m.files ?? {})) seedFiles.push([m.accountId, p, c]);

  const putBlob = (acct: string, path: string, blob: Blob, o: { clientModified?: string | Date } = {}) => {
    const s = scopeOf(acct);
    const tg = writeTarget(s, path);
    if (tg.existing?.kind === 'folder') throw new Error(`${path} is a folder`);
    const parent = createMissing(s, tg);
    const now = nowStamp();
    const cm =
      o.clientModified === undefined
        ? now
        : typeof o.clientModified === 'string'
          ? o.clientModified
          : nowStamp(o.clientModified.getTime());
    const node = world.tree.putFile(parent, tg.existing?.name ?? tg.name, {
      blob,
      clientModified: cm,
      serverModified: now,
    });
    return fileMeta(s, node, false);
  };

  const emulator: Emulator = {
    url,
    ca: tls?.cert,
    seed,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await blobs.close();
    },
    issueToken(o = {}) {
      const app = world.findApp(o.app ?? 'dropcron-sandbox');
      if (!app) throw new Error(`no app '${o.app}' in the seed`);
      let grant;
      if (o.team) {
        const acct = o.account ? account(o.account) : undefined;
        const team = acct?.team ?? world.teams[0];
        if (!team) throw new Error('the seed has no team');
        grant = tokens.newGrant(
          { app, team, scopes: o.scopes ?? [...app.scopes!, ...app.teamScopes!], pkce: false },
          true,
        );
      } else {
        const acct = o.account ? account(o.account) : (world.accounts.find((a) => !a.team) ?? world.accounts[0]!);
        if (app.access === 'app_folder') world.appFolder(acct, app);
        // As if linked with PKCE: refreshing needs no secret (a wrong one still fails).
        grant = tokens.newGrant({ app, account: acct, scopes: o.scopes ?? [...app.scopes!], pkce: true }, true);
      }
      const ttl = o.ttlSeconds ?? tokens.defaultTtlSeconds;
      const t = tokens.mintAccess(grant, ttl);
      return { accessToken: t.token, refreshToken: grant.refreshToken!, expiresIn: ttl };
    },
    registerRedirectUri(appKey, uri) {
      const app = world.findApp(appKey);
      if (!app) throw new Error(`no app '${appKey}' in the seed`);
      if (!app.redirectUris!.includes(uri)) app.redirectUris!.push(uri);
    },
    expireAccessTokens: () => tokens.expireAll(),
    revokeAll: () => tokens.revokeAll(),
    resetCursors() {
      st.cursorEpoch++;
    },
    advanceClock(seconds) {
      st.clockOffsetMs += seconds * 1000;
    },
    faults: {
      inject: (rule) => faults.inject(rule),
      clear: () => faults.clear(),
      set: (o) => faults.set(o),
    },
    requests,
    files: {
      async put(acct, path, content, o = {}) {
        return putBlob(acct, path, await blobs.fromBuffer(Buffer.from(content)), o);
      },
      async putMany(acct, paths, content) {
        const blob = await blobs.fromBuffer(Buffer.from(content));
        for (const p of paths) putBlob(acct, p, blob);
      },
      async get(acct, path) {
        try {
          const n = lookup(scopeOf(acct), path);
          if (n.kind !== 'file') return undefined;
          const parts: Buffer[] = [];
          for await (const c of n.blob.read()) parts.push(c as Buffer);
          return Buffer.concat(parts);
        } catch {
          return undefined;
        }
      },
      list(acct) {
        const a = account(acct);
        const out: string[] = [];
        const base = world.tree.displayPath(a.home);
        world.tree.forEach(a.home, (n) => {
          if (n !== a.home) out.push(world.tree.displayPath(n).slice(base.length));
        });
        return out.sort((x, y) => fold(x).localeCompare(fold(y)));
      },
    },
  };
  for (const [acct, p, c] of seedFiles) await emulator.files.put(acct, p, c);
  return emulator;
}
