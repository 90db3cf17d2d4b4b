// Business accounts: team tokens with Select-User/Select-Admin, Dropbox-API-Path-Root,
// the team space; and app-folder apps confined to /Apps/<name>.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, memberOf, startEmulator, type Emulator } from './helpers.ts';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

// The seed's ids, by short name.
const alice = () => memberOf(emu, 'alice');
const bob = () => memberOf(emu, 'bob');
const root = (id: string) => JSON.stringify({ '.tag': 'root', root: id });
const ns = (id: string) => JSON.stringify({ '.tag': 'namespace_id', namespace_id: id });

describe('team tokens', () => {
  it('need Dropbox-API-Select-User or Select-Admin on user routes', async () => {
    const team = client(emu, emu.issueToken({ team: true, app: 'custom-app' }).accessToken);
    const r = await team.rpc('users/get_current_account');
    expect(r.status).toBe(400);
    expect(r.text).toContain('Dropbox-API-Select-User');
  });

  it('Select-User acts as that member', async () => {
    const t = emu.issueToken({ team: true, app: 'custom-app' }).accessToken;
    const r = await client(emu, t, { 'Dropbox-API-Select-User': bob().memberId }).rpc('users/get_current_account');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      account_id: bob().accountId,
      team_member_id: bob().memberId,
      account_type: { '.tag': 'business' },
      team: { id: bob().teamId, name: 'Acme Corp' },
      root_info: { '.tag': 'team', root_namespace_id: '2001', home_namespace_id: '2003', home_path: '/Bob Builder' },
    });
  });

  it('an unknown member is invalid_select_user; a non-admin is invalid_select_admin', async () => {
    const t = emu.issueToken({ team: true, app: 'custom-app' }).accessToken;
    const u = await client(emu, t, { 'Dropbox-API-Select-User': 'dbmid:nobody' }).rpc('users/get_current_account');
    expect(u.status).toBe(401);
    expect(u.json).toEqual({ error_summary: 'invalid_select_user/..', error: { '.tag': 'invalid_select_user' } });
    const a = await client(emu, t, { 'Dropbox-API-Select-Admin': bob().memberId }).rpc('files/list_folder', {
      path: '',
    });
    expect(a.json.error).toEqual({ '.tag': 'invalid_select_admin' });
    const ok = await client(emu, t, {
      'Dropbox-API-Select-Admin': alice().memberId,
      'Dropbox-API-Path-Root': ns('2003'),
    }).rpc('files/list_folder', { path: '' });
    expect(ok.status).toBe(200);
  });

  it('without team_data.member a team token is missing_scope', async () => {
    const t = emu.issueToken({
      team: true,
      app: 'custom-app',
      scopes: ['files.metadata.read', 'members.read'],
    }).accessToken;
    const r = await client(emu, t, { 'Dropbox-API-Select-User': alice().memberId }).rpc('files/list_folder', {
      path: '',
    });
    expect(r.json.error).toEqual({ '.tag': 'missing_scope', required_scope: 'team_data.member' });
  });

  it('a user token may not send Select-User', async () => {
    const r = await client(emu, emu.issueToken().accessToken, { 'Dropbox-API-Select-User': bob().memberId }).rpc(
      'users/get_current_account',
    );
    expect(r.status).toBe(400);
  });
});

describe('path root', () => {
  it('members see their home by default and the team space with the root mode', async () => {
    const t = emu.issueToken({ account: 'alice' }).accessToken;
    const home = client(emu, t);
    await home.upload('files/upload', { path: '/mine.txt' }, 'mine');
    expect((await home.rpc('files/list_folder', { path: '' })).json.entries.map((e: any) => e.path_display)).toEqual([
      '/mine.txt',
    ]);
    const space = client(emu, t, { 'Dropbox-API-Path-Root': root('2001') });
    const names = (await space.rpc('files/list_folder', { path: '' })).json.entries.map((e: any) => e.name).sort();
    // Bob's member folder is his alone.
    expect(names).toEqual(['Alice Archer', 'Team Shared']);
    expect((await space.rpc('files/get_metadata', { path: '/Alice Archer/mine.txt' })).json.path_display).toBe(
      '/Alice Archer/mine.txt',
    );
    expect((await space.rpc('files/list_folder', { path: '/Bob Builder' })).json.error).toEqual({
      '.tag': 'path',
      path: { '.tag': 'not_found' },
    });
  });

  it('team folders carry sharing info; another member sees the same file', async () => {
    const alice = client(emu, emu.issueToken({ account: 'alice' }).accessToken, {
      'Dropbox-API-Path-Root': root('2001'),
    });
    const up = await alice.upload('files/upload', { path: '/Team Shared/plan.txt' }, 'the plan');
    expect(up.status).toBe(200);
    expect(up.json).toMatchObject({
      path_display: '/Team Shared/plan.txt',
      parent_shared_folder_id: '2004',
      sharing_info: { read_only: false, parent_shared_folder_id: '2004' },
    });
    const folder = await alice.rpc('files/get_metadata', { path: '/Team Shared' });
    expect(folder.json).toMatchObject({
      '.tag': 'folder',
      shared_folder_id: '2004',
      sharing_info: { shared_folder_id: '2004', read_only: false },
    });
    const bob = client(emu, emu.issueToken({ account: 'bob' }).accessToken, { 'Dropbox-API-Path-Root': ns('2004') });
    const dl = await bob.download({ path: '/plan.txt' });
    expect(dl.body.toString()).toBe('the plan');
    expect(dl.result.path_display).toBe('/plan.txt');
    // ns: paths reach the same file without a header.
    const bobHome = client(emu, emu.issueToken({ account: 'bob' }).accessToken);
    expect((await bobHome.download({ path: 'ns:2004/plan.txt' })).body.toString()).toBe('the plan');
  });

  it('a stale or foreign root is 422 invalid_root with the current root info; a foreign namespace no_permission', async () => {
    const alice = client(emu, emu.issueToken({ account: 'alice' }).accessToken, {
      'Dropbox-API-Path-Root': root('1001'),
    });
    const r = await alice.rpc('files/list_folder', { path: '' });
    expect(r.status).toBe(422);
    expect(r.json).toEqual({
      error_summary: 'invalid_root/..',
      error: {
        '.tag': 'invalid_root',
        invalid_root: {
          '.tag': 'team',
          root_namespace_id: '2001',
          home_namespace_id: '2002',
          home_path: '/Alice Archer',
        },
      },
    });
    const sandy = client(emu, emu.issueToken().accessToken, { 'Dropbox-API-Path-Root': root('2001') });
    expect((await sandy.rpc('files/list_folder', { path: '' })).json.error.invalid_root).toEqual({
      '.tag': 'user',
      root_namespace_id: '1001',
      home_namespace_id: '1001',
    });
    const foreign = client(emu, emu.issueToken({ account: 'alice' }).accessToken, {
      'Dropbox-API-Path-Root': ns('2003'),
    });
    const f = await foreign.rpc('files/list_folder', { path: '' });
    expect(f.status).toBe(422);
    expect(f.json.error).toEqual({ '.tag': 'no_permission' });
    const ok = client(emu, emu.issueToken().accessToken, {
      'Dropbox-API-Path-Root': JSON.stringify({ '.tag': 'home' }),
    });
    expect((await ok.rpc('files/list_folder', { path: '' })).status).toBe(200);
  });

  it('a malformed Path-Root header is a 400', async () => {
    for (const h of ['{nope', '{".tag":"sideways"}', '{".tag":"root"}']) {
      const r = await client(emu, emu.issueToken().accessToken, { 'Dropbox-API-Path-Root': h }).rpc(
        'files/list_folder',
        { path: '' },
      );
      expect(r.status).toBe(400);
      expect(r.text).toContain('Dropbox-API-Path-Root');
    }
  });

  it('nothing may be written straight into the team space root', async () => {
    const alice = client(emu, emu.issueToken({ account: 'alice' }).accessToken, {
      'Dropbox-API-Path-Root': root('2001'),
    });
    const r = await alice.rpc('files/create_folder_v2', { path: '/Loose' });
    expect(r.status).toBe(409);
    expect(r.json.error).toEqual({ '.tag': 'path', path: { '.tag': 'no_write_permission' } });
    const del = await alice.rpc('files/delete_v2', { path: '/Team Shared' });
    expect(del.json.error).toEqual({ '.tag': 'path_write', path_write: { '.tag': 'team_folder' } });
  });

  it('space usage of a member reports the team allocation', async () => {
    const r = await client(emu, emu.issueToken({ account: 'bob' }).accessToken).rpc('users/get_space_usage');
    expect(r.json.allocation).toMatchObject({
      '.tag': 'team',
      user_within_team_space_allocated: 0,
      user_within_team_space_limit_type: { '.tag': 'off' },
    });
    expect(r.json.allocation.used).toBeGreaterThanOrEqual(r.json.used);
  });
});

describe('app folder apps', () => {
  it('see /Apps/<folder> as their root and cannot leave it', async () => {
    const full = client(emu, emu.issueToken().accessToken);
    const outside = (await full.upload('files/upload', { path: '/outside.txt' }, 'private')).json;
    const app = client(emu, emu.issueToken({ app: 'appfolder-app' }).accessToken);
    const up = await app.upload('files/upload', { path: '/report.txt' }, 'in the app folder');
    expect(up.json.path_display).toBe('/report.txt');
    expect(emu.files.list('sandy')).toContain('/Apps/dropcron/report.txt');
    const list = await app.rpc('files/list_folder', { path: '' });
    expect(list.json.entries.map((e: any) => e.path_display)).toEqual(['/report.txt']);
    expect((await app.rpc('files/get_metadata', { path: '/outside.txt' })).status).toBe(409);
    expect((await app.rpc('files/get_metadata', { path: outside.id })).json.error).toEqual({
      '.tag': 'path',
      path: { '.tag': 'not_found' },
    });
    expect((await app.rpc('files/get_metadata', { path: 'ns:1001/outside.txt' })).status).toBe(409);
    expect((await app.rpc('files/get_metadata', { path: '/../outside.txt' })).json.error.path['.tag']).toBe(
      'malformed_path',
    );
    const pr = await client(emu, emu.issueToken({ app: 'appfolder-app' }).accessToken, {
      'Dropbox-API-Path-Root': JSON.stringify({ '.tag': 'home' }),
    }).rpc('files/list_folder', { path: '' });
    expect(pr.status).toBe(400);
  });
});

describe('team token revoke', () => {
  it('a team token revokes itself without selecting a member', async () => {
    const t = emu.issueToken({ team: true, app: 'custom-app' }).accessToken;
    expect((await client(emu, t).rpc('auth/token/revoke')).status).toBe(200);
    expect(
      (await client(emu, t, { 'Dropbox-API-Select-User': bob().memberId }).rpc('users/get_current_account')).status,
    ).toBe(401);
  });
});
