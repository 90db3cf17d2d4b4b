// The seed turned into live state: accounts with their namespaces and quota spaces,
// teams in the team-space model (root namespace != home namespace), apps.
import type { Seed, SeedApp, SeedTeam } from './seed.ts';
import { idMatches } from './seed.ts';
import { Tree, fold, type BlobRefs, type FolderNode, type Space } from './tree.ts';

export interface Team {
  id: string;
  alias?: string;
  name: string;
  root: FolderNode;
  space: Space;
  members: Account[];
  teamFolders: FolderNode[];
}

export interface Account {
  id: string;
  /** The seed's short name ('sandy'). */
  alias?: string;
  name: string;
  email: string;
  country?: string;
  locale: string;
  home: FolderNode;
  space: Space;
  team?: Team;
  memberId?: string;
  admin?: boolean;
}

export class World {
  readonly tree: Tree;
  readonly accounts: Account[] = [];
  readonly teams: Team[] = [];

  constructor(
    readonly seed: Seed,
    refs?: BlobRefs,
    deletedFilesKept?: number,
  ) {
    this.tree = new Tree(refs, deletedFilesKept);
    let nextNs = 9000;
    const ns = (given?: string) => given ?? String(nextNs++);
    for (const a of seed.accounts) {
      const space: Space = { id: a.id, quota: a.quotaBytes ?? 2 * 1024 ** 3, used: 0 };
      const nsId = ns(a.namespaceId);
      const home = this.tree.addNamespace(nsId, `ns:${nsId}`, space, null);
      this.accounts.push({
        id: a.id,
        alias: a.alias,
        name: a.name,
        email: a.email,
        country: a.country,
        locale: a.locale ?? 'en',
        home,
        space,
      });
    }
    for (const t of seed.teams ?? []) this.addTeam(t, ns);
  }

  private addTeam(t: SeedTeam, ns: (given?: string) => string): void {
    const space: Space = { id: t.id, quota: t.quotaBytes ?? 10 * 1024 ** 4, used: 0 };
    const rootNs = ns(t.rootNamespaceId);
    const root = this.tree.addNamespace(rootNs, `ns:${rootNs}`, space, null);
    const team: Team = { id: t.id, alias: t.alias, name: t.name, root, space, members: [], teamFolders: [] };
    for (const m of t.members) {
      // Team space: each member's home is a folder named after them in the team root.
      const home = this.tree.addNamespace(ns(m.namespaceId), m.name, space, root);
      const acct: Account = {
        id: m.accountId,
        alias: m.alias,
        name: m.name,
        email: m.email,
        locale: 'en',
        home,
        space,
        team,
        memberId: m.id,
        admin: !!m.admin,
      };
      team.members.push(acct);
      this.accounts.push(acct);
    }
    for (const f of t.teamFolders ?? [])
      team.teamFolders.push(this.tree.addNamespace(ns(f.namespaceId), f.name, space, root, true));
    this.teams.push(team);
  }

  findAccount(query: string): Account | undefined {
    return this.accounts.find(
      (a) =>
        idMatches(a.id, a.email, query, a.alias) || (a.memberId !== undefined && idMatches(a.memberId, a.email, query)),
    );
  }

  findTeam(query: string): Team | undefined {
    return this.teams.find((t) => idMatches(t.id, t.name, query, t.alias));
  }

  findApp(key: string): SeedApp | undefined {
    return this.seed.apps.find((a) => a.key === key);
  }

  /** The namespaces an account may use: its home; for members also the team root and team folders. */
  accessibleNamespaces(a: Account, asAdmin = false): Set<string> {
    const s = new Set<string>([a.home.nsId!]);
    if (a.team) {
      s.add(a.team.root.nsId!);
      for (const f of a.team.teamFolders) s.add(f.nsId!);
      if (asAdmin) for (const m of a.team.members) s.add(m.home.nsId!);
    }
    return s;
  }

  /** The account's root namespace: the team space for members, else home. */
  rootOf(a: Account): FolderNode {
    return a.team ? a.team.root : a.home;
  }

  /** An app-folder app's "/" is /Apps/<folder> in the account's home; created on first link. */
  appFolder(a: Account, app: SeedApp): FolderNode {
    let apps = a.home.children.get('apps');
    if (!apps || apps.kind !== 'folder') apps = this.tree.mkdir(a.home, 'Apps');
    const name = app.folder ?? app.key;
    const f = apps.children.get(fold(name));
    if (f && f.kind === 'folder') return f;
    return this.tree.mkdir(apps, name);
  }

  rootInfo(a: Account): Record<string, unknown> {
    if (a.team) {
      return {
        '.tag': 'team',
        root_namespace_id: a.team.root.nsId,
        home_namespace_id: a.home.nsId,
        home_path: '/' + a.home.name,
      };
    }
    return { '.tag': 'user', root_namespace_id: a.home.nsId, home_namespace_id: a.home.nsId };
  }
}
