#!/usr/bin/env node
// Entry point of the `dropcron` command: runs the TypeScript sources through tsx's
// loader, so there is no build step between a checkout and a running daemon.
import { register } from 'tsx/esm/api';

// `dropcron jobs list | head` closes the pipe early; that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
