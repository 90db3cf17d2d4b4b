// The task schemas as users meet them: generated files up to date, the example jobs
// valid, and mistakes in job files reported at file:line:col with a useful message.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedSchemas } from '../../plugins/dropbox/tasks/gen-schemas.ts';
import { taskSchemas } from '../../plugins/dropbox/tasks/task-schemas.ts';
import { loadConfig } from '../../src/config/load.ts';
import { formatProblem } from '../../src/config/problems.ts';
import { createAjv } from '../../src/config/validate.ts';
import { loadPlugins } from '../../src/registry.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

describe('generated schemas', () => {
  it('are up to date (run: npx tsx plugins/dropbox/tasks/gen-schemas.ts)', () => {
    const files = generatedSchemas();
    // One per task, plus the editor's job and connection schemas.
    expect(files.size).toBe(Object.keys(taskSchemas).length + 2);
    for (const [file, text] of files) expect(readFileSync(file, 'utf8'), file).toBe(text);
  });
  it('the editor schemas refer to nothing outside themselves (editors cannot follow an $id)', () => {
    for (const f of ['job', 'connection']) {
      const text = readFileSync(join(repo, `plugins/dropbox/schemas/${f}.schema.json`), 'utf8');
      expect(text, f).not.toMatch(/"\$ref": "(?!#)/);
    }
  });
  it('the editor job schema compiles and accepts the example jobs', async () => {
    const { parse } = await import('yaml');
    const ajv = createAjv();
    const check = ajv.compile(JSON.parse(readFileSync(join(repo, 'plugins/dropbox/schemas/job.schema.json'), 'utf8')));
    const jobs = (await readdir(join(repo, 'jobs'))).filter((f) => f.endsWith('.yaml'));
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    for (const f of jobs) {
      const text = readFileSync(join(repo, 'jobs', f), 'utf8');
      expect(text.startsWith('# yaml-language-server: $schema=../plugins/dropbox/schemas/job.schema.json')).toBe(true);
      expect(check(parse(text)), `${f}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
    expect(
      check(
        parse(
          'name: x\nschedule: "* * * * *"\nconnection: c\ntasks: [{ upload: { from: a, to: /b, overwrit: always } }]',
        ),
      ),
    ).toBe(false);
  });
  it("the editor job schema checks each trigger type's options, the core's debounce included", async () => {
    const { parse } = await import('yaml');
    const check = createAjv().compile(
      JSON.parse(readFileSync(join(repo, 'plugins/dropbox/schemas/job.schema.json'), 'utf8')),
    );
    const job = (trigger: string) =>
      parse(`name: x\nconnection: c\ntrigger: ${trigger}\ntasks: [{ download: { from: previous, to: ./got } }]`);
    for (const ok of [
      '{ dropbox: { path: /inbox, recursive: true, debounce: 2s } }',
      '{ local: { path: ./outbox, stableFor: 10s, debounce: 500ms } }',
    ])
      expect(check(job(ok)), `${ok}: ${JSON.stringify(check.errors)}`).toBe(true);
    for (const bad of [
      '{ dropbox: { path: inbox } }', // not a Dropbox path
      '{ dropbox: { path: /inbox, recursiv: true } }',
      '{ local: { path: ./outbox, debounce: soon } }',
      '{ ftp: { path: /x } }',
    ])
      expect(check(job(bad)), bad).toBe(false);
  });
  it('the editor connection schema accepts the example connections, core fields included', async () => {
    const { parse } = await import('yaml');
    const check = createAjv().compile(
      JSON.parse(readFileSync(join(repo, 'plugins/dropbox/schemas/connection.schema.json'), 'utf8')),
    );
    const connections = (await readdir(join(repo, 'connections'))).filter((f) => f.endsWith('.yaml'));
    expect(connections).toContain('sandbox.yaml');
    for (const f of connections) {
      const text = readFileSync(join(repo, 'connections', f), 'utf8');
      expect(text.startsWith('# yaml-language-server: $schema=../plugins/dropbox/schemas/connection.schema.json')).toBe(
        true,
      );
      expect(check(parse(text)), `${f}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
    const valid = (yaml: string) => check(parse('name: c\ntype: dropbox\n' + yaml));
    // The core's fields, with the proxy schema inlined (editors cannot follow its $id).
    expect(valid('sandbox: true\ntimeoutSeconds: 5\nproxy: { type: http, host: p, port: 3128 }')).toBe(true);
    expect(valid('proxy: system')).toBe(true);
    expect(valid('proxy: { type: http, hots: p }')).toBe(false);
    expect(valid('proxy: socks')).toBe(false);
    expect(valid('timeoutSeconds: 0')).toBe(false);
    expect(valid('sandbx: true')).toBe(false);
  });
  it('the editor connection schema lists the same fields the loader checks', async () => {
    const editor = JSON.parse(readFileSync(join(repo, 'plugins/dropbox/schemas/connection.schema.json'), 'utf8'));
    const loaded = (await loadPlugins(['dropbox'])).connectionTypes.get('dropbox')!.schema;
    const props = loaded.properties as Record<string, unknown>;
    expect(Object.keys(editor.properties).sort()).toEqual(Object.keys(props).sort());
    expect(editor.required.sort()).toEqual([...(loaded.required as string[])].sort());
    for (const [key, schema] of Object.entries(props))
      if (key !== 'proxy') expect(editor.properties[key], key).toEqual(schema);
  });
});

async function configWithJob(job: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-tasks-cfg-'));
  await mkdir(join(dir, 'connections'));
  await mkdir(join(dir, 'jobs'));
  await writeFile(join(dir, 'config.yaml'), 'admin: { port: 0 }\nstate: ./state\n');
  await copyFile(join(repo, 'connections/sandbox.yaml'), join(dir, 'connections/sandbox.yaml'));
  await writeFile(join(dir, 'jobs/j.yaml'), job);
  return dir;
}

const head = 'name: j\nschedule: "0 2 * * *"\nconnection: sandbox\ntasks:\n';

describe('job files with Dropbox tasks', () => {
  it('the shipped config and example jobs validate', async () => {
    const loaded = await loadConfig(join(repo, 'config.example.yaml'), { env: {} });
    expect(loaded.problems.map((p) => formatProblem(p))).toEqual([]);
    expect(loaded.jobs.map((j) => j.name).sort()).toEqual(['download-and-archive', 'list-to-csv', 'nightly-backup']);
  });

  it.each([
    ['  - delete: { path: /, olderThan: 30d }\n', 5, 'tasks[0].delete.path', /refuses the root/],
    ['  - delete: { path: /b, maxDelete: 0 }\n', 5, 'tasks[0].delete.maxDelete', /at least 1 .*no "unlimited"/],
    ['  - upload: { from: x, to: "/b/{dat}" }\n', 5, 'tasks[0].upload.to', /unknown placeholder \{dat\}/],
    ['  - upload: { from: x, to: /b, overwrit: always }\n', 5, 'tasks[0].upload.overwrit', /did you mean 'overwrite'/],
    ['  - upload: { from: x, to: b }\n', 5, 'tasks[0].upload.to', /starting with '\/'/],
    ['  - list: { path: /b, minSize: 10XB }\n', 5, 'tasks[0].list.minSize', /must be a size/],
    ['  - list: { path: /b, newerThan: yesterday }\n', 5, 'tasks[0].list.newerThan', /neither a duration/],
    [
      '  - list: { path: /b, include: "(x", regex: true }\n',
      5,
      'tasks[0].list.include',
      /not a valid regular expression/,
    ],
    ['  - download: { from: inbox, to: ./x }\n', 5, 'tasks[0].download.from', /or 'previous'/],
    ['  - create-folder: { path: /, existsOk: true }\n', 5, 'tasks[0].create-folder.path', /root/],
    [
      '  - list: { path: /b }\n  - delete: { path: previous, keepLast: -1 }\n',
      6,
      'tasks[1].delete.keepLast',
      /must be >= 0/,
    ],
  ])('%j is reported at its position', async (tasks, line, path, message) => {
    const dir = await configWithJob(head + tasks);
    const loaded = await loadConfig(join(dir, 'config.yaml'), { env: {} });
    expect(loaded.jobs).toHaveLength(0);
    const p = loaded.problems.find((x) => x.path === path);
    expect(p, JSON.stringify(loaded.problems)).toBeDefined();
    expect(p!.line).toBe(line);
    expect(p!.message).toMatch(message);
  });
});
