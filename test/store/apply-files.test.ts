// `dropcron apply` with the file store: the same checks and output as with PostgreSQL,
// applied into the config's own connections/ and jobs/ folders.
import { describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyCli as apply } from './apply-cli.ts';
import { configTree, jobYaml } from '../helpers/test-plugin.ts';

const CONNECTION = 'name: main\ntype: dropbox\nsandbox: true\n';
const LIST = '  - list: { path: / }\n';

describe('dropcron apply with the file store', () => {
  it("checks the folder, then writes it into the config's folders; --dry-run and --prune", async () => {
    const { dir, configFile } = await configTree(
      { 'connections/main.yaml': CONNECTION, 'jobs/old.yaml': jobYaml('old', '0 1 * * *', LIST) },
      'plugins: [dropbox]\nsandbox: false\nadmin: { enabled: false }\n',
    );
    const folder = await mkdtemp(join(tmpdir(), 'dropcron-apply-'));
    await mkdir(join(folder, 'jobs'));
    const fresh = `# kept as written\n${jobYaml('fresh', '0 2 * * *', LIST)}`;
    await writeFile(join(folder, 'jobs/fresh.yaml'), fresh);
    await writeFile(
      join(folder, 'jobs/bad.yaml'),
      jobYaml('bad', '0 2 * *', LIST).replace('connection: main', 'connection: nope'),
    );

    const refused = await apply(configFile, folder);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${join(folder, 'jobs/bad.yaml')}:2:11 schedule '0 2 * *' is not a cron expression`,
    );
    expect(refused.stderr).toContain(
      `${join(folder, 'jobs/bad.yaml')}:3:13 connection names connection 'nope', which does not exist`,
    );
    expect(refused.stderr).toMatch(/\n2 problems found; nothing applied\n$/);
    expect((await readdir(join(dir, 'jobs'))).sort()).toEqual(['old.yaml']);

    await writeFile(join(folder, 'jobs/bad.yaml'), jobYaml('bad', '0 2 * *', LIST).replace('0 2 * *', '0 3 * * *'));
    const dry = await apply(configFile, folder, '--dry-run');
    expect(dry.stdout).toBe(
      'would create jobs/bad.yaml\nwould create jobs/fresh.yaml\ndry run: 2 changes, 0 unchanged, in the file store\n',
    );
    expect((await readdir(join(dir, 'jobs'))).sort()).toEqual(['old.yaml']);

    const applied = await apply(configFile, folder);
    expect(applied).toMatchObject({
      code: 0,
      stdout: 'create jobs/bad.yaml\ncreate jobs/fresh.yaml\n2 changes, 0 unchanged, in the file store\n',
    });
    expect(await readFile(join(dir, 'jobs/fresh.yaml'), 'utf8')).toBe(fresh);

    // A prune that would leave the jobs without their connection is refused.
    const orphaned = await apply(configFile, folder, '--prune');
    expect(orphaned.code).toBe(1);
    expect(orphaned.stderr).toContain("names connection 'main', which does not exist");
    await mkdir(join(folder, 'connections'));
    await writeFile(join(folder, 'connections/main.yaml'), CONNECTION);
    const pruned = await apply(configFile, folder, '--prune');
    expect(pruned.stdout).toBe('delete jobs/old.yaml\n1 change, 3 unchanged, in the file store\n');
    expect((await readdir(join(dir, 'jobs'))).sort()).toEqual(['bad.yaml', 'fresh.yaml']);
  });
});
