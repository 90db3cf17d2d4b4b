// The emulator's world: apps (OAuth clients) and accounts (personal, or members of a
// business team). Loaded from YAML/JSON; short names ('sandy', 'alice') resolve to ids.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export interface SeedApp {
  key: string;
  secret?: string;
  name?: string;
  access: 'full' | 'app_folder';
  /** The app folder's name under /Apps (app_folder access only). */
  folder?: string;
  redirectUris?: string[];
  scopes?: string[];
  teamScopes?: string[];
}

export interface SeedAccount {
  /** Dropbox-shaped: 'dbid:' + 35 characters (users_common.AccountId is exactly 40). */
  id: string;
  /** A short name ('sandy') that finds the account wherever the emulator takes one. */
  alias?: string;
  name: string;
  email: string;
  country?: string;
  locale?: string;
  quotaBytes?: number;
  namespaceId?: string;
  /** Files to create at start: path -> text content. */
  files?: Record<string, string>;
}

export interface SeedMember {
  /** The team member id ('dbmid:...'). */
  id: string;
  accountId: string;
  /** A short name ('alice'), as for accounts. */
  alias?: string;
  name: string;
  email: string;
  admin?: boolean;
  namespaceId?: string;
  files?: Record<string, string>;
}

export interface SeedTeam {
  id: string;
  alias?: string;
  name: string;
  quotaBytes?: number;
  rootNamespaceId?: string;
  members: SeedMember[];
  teamFolders?: Array<{ name: string; namespaceId?: string; files?: Record<string, string> }>;
}

export interface Seed {
  defaults?: { redirectUris?: string[]; scopes?: string[]; teamScopes?: string[] };
  apps: SeedApp[];
  accounts: SeedAccount[];
  teams?: SeedTeam[];
}

export const DEFAULT_SEED_FILE = new URL('./seed.default.yaml', import.meta.url);

/** Reads a seed file (YAML is a superset of JSON) or returns the built-in one. */
export function loadSeed(seed?: Seed | string): Seed {
  const raw: unknown =
    typeof seed === 'object' ? structuredClone(seed) : parseYaml(readFileSync(seed ?? DEFAULT_SEED_FILE, 'utf8'));
  const s = raw as Seed;
  const where = typeof seed === 'string' ? seed : 'seed';
  if (!s || typeof s !== 'object' || !Array.isArray(s.apps) || !Array.isArray(s.accounts)) {
    throw new Error(`${where}: a seed needs 'apps' and 'accounts' lists`);
  }
  const d = s.defaults ?? {};
  for (const app of s.apps) {
    if (!app.key) throw new Error(`${where}: every app needs a key`);
    app.access ??= 'full';
    if (app.access === 'app_folder') app.folder ??= app.name ?? app.key;
    app.redirectUris ??= [...(d.redirectUris ?? [])];
    app.scopes ??= [...(d.scopes ?? [])];
    app.teamScopes ??= [...(d.teamScopes ?? [])];
  }
  s.teams ??= [];
  return s;
}

/** The id, the id without its 'dbid:' prefix, the alias or the email -> the same thing. */
export function idMatches(id: string, email: string, query: string, alias?: string): boolean {
  const q = query.toLowerCase();
  const bare = id.slice(id.indexOf(':') + 1).toLowerCase();
  return (
    q === id.toLowerCase() ||
    q === bare ||
    q === email.toLowerCase() ||
    (alias !== undefined && q === alias.toLowerCase())
  );
}
