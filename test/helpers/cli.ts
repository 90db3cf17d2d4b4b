// The `dropcron` command as it ships (bench/shipped-command.ts, shared with the bench):
// tests that spawn the CLI spawn this, never the TypeScript sources, and
// test/build-first.ts rebuilds dist/ before every vitest run, so what they run is never
// older than the sources.
export { CLI } from '../../bench/shipped-command.ts';
