/**
 * What a channel's members are told about each other. Pure. Members learn the current list once
 * (`joined.presence`, sorted) and then only differences (`presence` frames); these functions keep
 * the two consistent however the underlying news arrives: a diff in order, or a fresh snapshot
 * after something was missed.
 */
export interface PresenceChange {
  readonly joined: readonly string[];
  readonly left: readonly string[];
}

export const NO_CHANGE: PresenceChange = Object.freeze({ joined: [], left: [] });

/** Distinct and sorted, as `joined.presence` promises. */
export function presenceList(users: Iterable<string>): string[] {
  return [...new Set(users)].sort();
}

/**
 * Applies a reported change to `members` (in place) and returns what actually changed: a user
 * reported joined who was already there, or left who was not, is no news and is left out. A user
 * in both lists (left and came back within one step) is no news either.
 */
export function applyChange(members: Set<string>, change: PresenceChange): PresenceChange {
  const both = new Set(change.joined.filter((u) => change.left.includes(u)));
  const joined = presenceList(change.joined.filter((u) => !both.has(u) && !members.has(u)));
  const left = presenceList(change.left.filter((u) => !both.has(u) && members.has(u)));
  for (const u of joined) members.add(u);
  for (const u of left) members.delete(u);
  return { joined, left };
}

/** The change that turns `before` into `after` (a snapshot that replaces what was known). */
export function changeBetween(before: ReadonlySet<string>, after: Iterable<string>): PresenceChange {
  const next = new Set(after);
  return {
    joined: presenceList([...next].filter((u) => !before.has(u))),
    left: presenceList([...before].filter((u) => !next.has(u))),
  };
}

export function isNoChange(change: PresenceChange): boolean {
  return change.joined.length === 0 && change.left.length === 0;
}
