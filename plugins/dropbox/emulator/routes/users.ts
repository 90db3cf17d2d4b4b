// users/*, auth/token/revoke and check/user.
import { VOID, t } from '../args.ts';
import type { RouteDef } from '../state.ts';
import type { Account } from '../world.ts';

export function names(full: string) {
  const parts = full.trim().split(/\s+/);
  const given = parts[0] ?? '';
  const surname = parts.slice(1).join(' ');
  return {
    given_name: given,
    surname,
    familiar_name: given,
    display_name: full,
    abbreviated_name: parts.map((p) => p[0]?.toUpperCase() ?? '').join(''),
  };
}

function fullAccount(st: Parameters<RouteDef['handle']>[0]['st'], a: Account): Record<string, unknown> {
  return {
    account_id: a.id,
    name: names(a.name),
    email: a.email,
    email_verified: true,
    disabled: false,
    country: a.country ?? 'US',
    locale: a.locale,
    referral_link: `https://www.dropbox.com/referrals/sandbox-${a.id.replace(/\W/g, '')}`,
    is_paired: false,
    account_type: { '.tag': a.team ? 'business' : 'basic' },
    root_info: st.world.rootInfo(a),
    ...(a.team
      ? {
          team: {
            id: a.team.id,
            name: a.team.name,
            sharing_policies: {
              shared_folder_member_policy: { '.tag': 'anyone' },
              shared_folder_join_policy: { '.tag': 'from_anyone' },
              shared_link_create_policy: { '.tag': 'default_public' },
            },
            office_addin_policy: { '.tag': 'disabled' },
          },
          team_member_id: a.memberId,
        }
      : {}),
  };
}

export const userRoutes: RouteDef[] = [
  {
    name: 'users/get_current_account',
    style: 'rpc',
    auth: 'user',
    scope: 'account_info.read',
    arg: VOID,
    async handle({ st, caller }) {
      return fullAccount(st, caller.account);
    },
  },
  {
    name: 'users/get_space_usage',
    style: 'rpc',
    auth: 'user',
    scope: 'account_info.read',
    arg: VOID,
    async handle({ st, caller }) {
      const a = caller.account;
      const allocated = st.quotaOf(a.space);
      if (a.team) {
        let mine = 0;
        st.tree.forEach(a.home, (n) => {
          if (n.kind === 'file') mine += n.blob.size;
        });
        return {
          used: mine,
          allocation: {
            '.tag': 'team',
            used: a.space.used,
            allocated,
            user_within_team_space_allocated: 0,
            user_within_team_space_limit_type: { '.tag': 'off' },
            user_within_team_space_used_cached: mine,
          },
        };
      }
      return { used: a.space.used, allocation: { '.tag': 'individual', allocated } };
    },
  },
  {
    name: 'auth/token/revoke',
    style: 'rpc',
    auth: 'token',
    arg: VOID,
    async handle({ st, caller }) {
      st.tokens.revoke(caller.grant);
      return null;
    },
  },
  {
    name: 'check/user',
    style: 'rpc',
    auth: 'user',
    arg: t.struct({ query: { ty: t.str(), default: '' } }),
    async handle({ arg }) {
      return { result: arg.query };
    },
  },
];
