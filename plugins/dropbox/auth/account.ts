// Who signed in: one users/get_current_account call right after the code exchange,
// so `status` can say whose Dropbox a connection reaches without another round trip.
import { request } from '../../../src/plugin.ts';
import type { OAuthContext } from './oauth.ts';
import type { Account } from '../api/types.ts';

export function accountLabel(a: Pick<Account, 'name' | 'email' | 'team'>): string {
  return `${a.name.display_name} <${a.email}>${a.team ? ` (team ${a.team.name})` : ''}`;
}

/** Best effort: a label is nice to have, never a reason to fail a sign-in. */
export async function fetchAccountLabel(ctx: OAuthContext, accessToken: string): Promise<string | undefined> {
  try {
    const res = await request(`${ctx.endpoints.api}/2/users/get_current_account`, {
      method: 'POST',
      dispatcher: ctx.dispatcher,
      signal: ctx.signal,
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: 'null',
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) return undefined;
    return accountLabel(JSON.parse(text) as Account);
  } catch {
    return undefined;
  }
}
