// `dropcron init`: the Dropbox part of a new config folder, one sandbox connection and one
// example job that runs against it. The files are the YAML beside this module (shipped
// as they are), so what a user gets reads like what is here.
import { readFile } from 'node:fs/promises';
import type { Starter } from '../../src/plugin.ts';

const FILES = ['connections/sandbox.yaml', 'jobs/backup-config.yaml'];

const read = (path: string) => readFile(new URL(`./starter/${path}`, import.meta.url), 'utf8');

export async function starter(): Promise<Starter> {
  const files: Record<string, string> = {};
  for (const f of FILES) files[f] = await read(f);
  return { config: await read('config.yaml'), files };
}
