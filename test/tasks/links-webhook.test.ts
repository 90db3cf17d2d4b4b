// The links an upload makes reach the webhook: a real daemon runs a job against the
// sandbox and POSTs its run record to a server on loopback.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startSandboxDaemon } from '../helpers/sandbox-daemon.ts';
import { until } from '../helpers/wait.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('links in the webhook notification', () => {
  it("carries each uploaded file's link in the run's task summary", async () => {
    const received: any[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        received.push(JSON.parse(text));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

    const sd = await startSandboxDaemon({
      'data/report.txt': 'the report',
      'jobs/up.yaml':
        `name: up\nschedule: "0 0 1 1 *"\nconnection: box\nnotify: { webhook: "${hook}", onSuccess: true }\n` +
        'tasks:\n  - upload: { from: ./data, to: /out, link: temporary }\n',
    });
    cleanup.push(() => sd.close());
    sd.daemon.scheduler.runNow('up');
    await until(() => received.length === 1, 'the webhook', 30_000);
    const body = received[0];
    expect(body.event).toBe('run.success');
    const links = body.run.tasks[0].links;
    expect(links).toEqual([{ target: '/out/report.txt', url: expect.any(String), expires: expect.any(String) }]);
    const res = await request(links[0].url);
    expect(await res.body.text()).toBe('the report');
  });
});
