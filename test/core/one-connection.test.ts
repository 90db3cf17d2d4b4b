// Commands on one named connection, the core's and the plugin's, find it the same way
// (withConnection, offered to plugins through src/plugin.ts).
import { describe, it, expect } from 'vitest';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { main } from '../../src/cli.ts';
import { tree } from '../config/fixtures.ts';

async function run(args: string[]) {
  const dir = await tree({
    'config.yaml': 'state: ./state\n',
    'connections/main.yaml': 'name: main\ntype: dropbox\nsandbox: true\n',
  });
  let err = '';
  const stderr = new PassThrough();
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(['--config', join(dir, 'config.yaml'), ...args], { stdout: new PassThrough(), stderr });
  return { code, err: err.replaceAll(dir, '<dir>') };
}

describe('withConnection', () => {
  for (const command of ['auth', 'disconnect', 'connections test']) {
    it(`${command}: an unknown name is reported with the known ones`, async () => {
      const r = await run([...command.split(' '), 'nope']);
      expect(r.code).toBe(1);
      expect(r.err).toBe("dropcron: no valid connection named 'nope' in <dir>/connections (known: main)\n");
    });
  }

  it('auth: a missing name is a usage error', async () => {
    const r = await run(['auth']);
    expect(r.err).toBe('dropcron: name the connection: dropcron auth <connection> (see dropcron auth --help)\n');
  });
});
