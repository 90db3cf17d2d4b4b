#!/usr/bin/env node
// Entry point of the `dropcron` command. What ships is this file compiled (dist/src/main.js,
// package.json's `bin`) under bare node; `npm run dev --` runs it from source through tsx.
import { main } from './cli.ts';

// `dropcron jobs list | head` closes the pipe early; that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2));
