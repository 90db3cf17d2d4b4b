import { describe, expect, it } from 'vitest';
import { cronToWords } from '../../src/admin/cron-words.ts';

describe('cron expressions in words', () => {
  it.each([
    ['* * * * *', 'every minute'],
    ['*/15 * * * *', 'every 15 minutes'],
    ['0 * * * *', 'every hour'],
    ['5 * * * *', 'every hour at 05 past'],
    ['0 */6 * * *', 'every 6 hours at 00 past'],
    ['0 2 * * *', 'every day at 02:00'],
    ['0 0 2 * * *', 'every day at 02:00'],
    ['30 8,18 * * *', 'every day at 08:30 and 18:30'],
    ['0 9 * * 1-5', 'every weekday at 09:00'],
    ['0 9 * * MON-FRI', 'every weekday at 09:00'],
    ['0 10 * * 0,6', 'every Saturday and Sunday at 10:00'],
    ['15 3 * * 1', 'every Monday at 03:15'],
    ['0 4 * * 1,3,5', 'every Monday, Wednesday and Friday at 04:00'],
    ['0 1 1 * *', 'on the 1st of every month at 01:00'],
    ['0 1 22 * *', 'on the 22nd of every month at 01:00'],
    ['0 0 25 12 *', 'every year on December 25 at 00:00'],
  ])('%s -> %s', (expr, words) => {
    expect(cronToWords(expr)).toBe(words);
  });

  it.each(['*/5 9-17 * * 1-5', '0 2 L * *', '15 10 ? * 6#3', '30 0 2 * * *', 'nonsense'])(
    'falls back to the expression for %s',
    (expr) => {
      expect(cronToWords(expr)).toBe(expr);
    },
  );
});
