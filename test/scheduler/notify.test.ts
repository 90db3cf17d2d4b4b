// Webhook notifications against a real HTTP server on loopback.
import { describe, it, expect, afterEach, beforeEach } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { configTree, jobYaml } from '../helpers/test-plugin.ts';
import { harness, type Harness } from './harness.ts';
import { until } from '../helpers/wait.ts';

let server: Server;
let url: string;
let status = 200;
const received: Array<{ headers: Record<string, unknown>; body: any; path: string }> = [];
let h: Harness | undefined;

beforeEach(async () => {
  received.length = 0;
  status = 200;
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(text), path: req.url ?? '' });
      res.statusCode = status;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/s3cr3t-token`;
});

afterEach(async () => {
  await h?.scheduler.stop();
  h = undefined;
  await new Promise((r) => server.close(r));
});

const YEARLY = '0 0 1 1 *';

async function boot(jobs: Record<string, string>, config = '') {
  const tree = await configTree(jobs, config);
  h = await harness(tree.configFile);
  return h;
}

describe('webhook notifications', () => {
  it('POSTs the run summary as JSON when a run fails', async () => {
    const h = await boot({
      'jobs/f.yaml': jobYaml('f', YEARLY, '  - fail: { message: quota exceeded }\n', `notify: { webhook: "${url}" }\n`),
    });
    const id = h.scheduler.runNow('f');
    await until(() => received.length === 1, 'the webhook');
    const [{ body, headers, path }] = received as [(typeof received)[0]];
    expect(path).toBe('/hook/s3cr3t-token');
    expect(headers['content-type']).toBe('application/json');
    expect(body).toMatchObject({ event: 'run.failed', text: 'dropcron: job f failed: task 1 (fail): quota exceeded' });
    expect(body.run).toMatchObject({
      id,
      job: 'f',
      outcome: 'failed',
      trigger: 'manual',
      error: 'task 1 (fail): quota exceeded',
    });
  });

  it('sends nothing on success unless onSuccess is set; config.yaml notify is the default', async () => {
    const h = await boot(
      {
        'jobs/quiet.yaml': jobYaml('quiet', YEARLY, '  - emit: { items: [] }\n'),
        'jobs/loud.yaml': jobYaml(
          'loud',
          YEARLY,
          '  - emit: { items: [] }\n',
          `notify: { webhook: "${url}", onSuccess: true }\n`,
        ),
      },
      `notify: { webhook: "${url}" }\n`,
    );
    h.scheduler.runNow('quiet');
    h.scheduler.runNow('loud');
    await until(() => h.ended.length === 2, 'both runs');
    await h.scheduler.idle();
    expect(received.map((r) => [r.body.run.job, r.body.event])).toEqual([['loud', 'run.success']]);
  });

  it('a webhook that fails is logged without the URL path and never fails the run', async () => {
    status = 500;
    const h = await boot({
      'jobs/ok.yaml': jobYaml(
        'ok',
        YEARLY,
        '  - emit: { items: [] }\n',
        `notify: { webhook: "${url}", onSuccess: true }\n`,
      ),
    });
    h.scheduler.runNow('ok');
    await until(() => received.length === 1, 'the webhook');
    await h.scheduler.idle();
    expect(h.ended[0]!.outcome).toBe('success');
    const warn = h.lines.find((l) => String(l.msg).startsWith('notify:'));
    expect(warn?.msg).toMatch(/^notify: webhook at http:\/\/127\.0\.0\.1:\d+ answered 500$/);
    expect(JSON.stringify(h.lines)).not.toContain('s3cr3t-token');
  });

  it('an unreachable webhook is logged', async () => {
    const closed = url;
    await new Promise((r) => server.close(r));
    server = createServer();
    const h = await boot({
      'jobs/f.yaml': jobYaml('f', YEARLY, '  - fail: {}\n', `notify: { webhook: "${closed}" }\n`),
    });
    h.scheduler.runNow('f');
    await until(() => h.ended.length === 1, 'the run');
    await h.scheduler.idle();
    expect(h.lines.some((l) => /^notify: webhook at http:\/\/127\.0\.0\.1:\d+ failed: /.test(String(l.msg)))).toBe(
      true,
    );
  });
});
