// Which space limit an account runs into. A team member writes into the team's shared
// space, and may have a cap of their own inside it (user_within_team_space_allocated,
// 0 when the admin set none); whichever has less room left is the one that fills up.
import type { SpaceUsage } from './types.ts';

export interface SpaceLimit {
  used: number;
  allocated: number;
}

/** The limit with the least room left, for saying how much is free and of what. */
export function tightestLimit(u: SpaceUsage): SpaceLimit {
  const a = u.allocation;
  if (a['.tag'] === 'individual') return { used: u.used, allocated: a.allocated };
  const team = { used: a.used, allocated: a.allocated };
  if (a.user_within_team_space_allocated <= 0) return team;
  const own = { used: u.used, allocated: a.user_within_team_space_allocated };
  return own.allocated - own.used < team.allocated - team.used ? own : team;
}
