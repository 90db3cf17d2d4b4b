/**
 * The first line of an error's message, for the one-line answers dropcron gives
 * (CLI errors, a run's error in history); the error's name when the message is empty.
 */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? '').trim() || (err instanceof Error ? err.name : 'unknown error');
}
