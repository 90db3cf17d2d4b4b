// tightestLimit: the space an out-of-space message speaks of.
import { describe, it, expect } from 'vitest';
import { tightestLimit } from '../../plugins/dropbox/api/space.ts';

const GiB = 1024 ** 3;
const team = (ownCap: number, used = GiB) =>
  tightestLimit({
    used,
    allocation: { '.tag': 'team', used: 50 * GiB, allocated: 100 * GiB, user_within_team_space_allocated: ownCap },
  });

describe('tightestLimit', () => {
  it("is the account's own quota for an individual account", () => {
    expect(tightestLimit({ used: GiB, allocation: { '.tag': 'individual', allocated: 2 * GiB } })).toEqual({
      used: GiB,
      allocated: 2 * GiB,
    });
  });

  it("is the team's space for a member without a cap of their own", () => {
    expect(team(0)).toEqual({ used: 50 * GiB, allocated: 100 * GiB });
  });

  it("is the member's own cap when it has less room left than the team's space", () => {
    expect(team(2 * GiB)).toEqual({ used: GiB, allocated: 2 * GiB });
    expect(team(80 * GiB, 10 * GiB)).toEqual({ used: 50 * GiB, allocated: 100 * GiB });
  });
});
