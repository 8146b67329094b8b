import { isChannelName, splitChannelName } from './channel-name.mjs';

/**
 * Who may join which channel on the reference server. Pure: the user, the name and the deny list
 * in, a verdict out, so every rule is a row of a table test.
 *
 * - `room:<anything>`: any signed-in user;
 * - `private:<user>`: that user only;
 * - any other namespace: nobody;
 * - the deny list (`CHANNEL_DENY`) wins over all of the above.
 */
export type JoinVerdict = 'allow' | 'bad_channel' | 'forbidden';

/** `CHANNEL_DENY`, parsed: exact names and whole namespaces (`ns:*`). */
export interface DenyList {
  readonly names: ReadonlySet<string>;
  readonly namespaces: ReadonlySet<string>;
}

export const EMPTY_DENY_LIST: DenyList = Object.freeze({ names: new Set<string>(), namespaces: new Set<string>() });

const NAMESPACE_PATTERN = /^([A-Za-z0-9_.@-]{1,126}):\*$/;

/**
 * Parses deny-list entries (`CHANNEL_DENY` split on commas, or the control endpoint's array).
 * Throws a `RangeError` naming the first entry that is neither a channel name nor `namespace:*`:
 * a typo in a deny list must not silently allow what it meant to forbid.
 */
export function parseDenyList(entries: readonly string[]): DenyList {
  const names = new Set<string>();
  const namespaces = new Set<string>();
  for (const entry of entries) {
    const pattern = NAMESPACE_PATTERN.exec(entry);
    if (pattern?.[1] !== undefined) namespaces.add(pattern[1]);
    else if (isChannelName(entry)) names.add(entry);
    else throw new RangeError(`"${entry}" is neither a channel name nor a namespace:* pattern`);
  }
  return { names, namespaces };
}

/** The entries of a deny list, sorted (for answers and the start-up banner). */
export function denyListEntries(deny: DenyList): string[] {
  return [...deny.names, ...[...deny.namespaces].map((ns) => `${ns}:*`)].sort();
}

export function isDenied(channel: string, deny: DenyList): boolean {
  return deny.names.has(channel) || deny.namespaces.has(splitChannelName(channel).namespace);
}

export function authorizeJoin(user: string, channel: string, deny: DenyList): JoinVerdict {
  if (!isChannelName(channel)) return 'bad_channel';
  if (isDenied(channel, deny)) return 'forbidden';
  const { namespace, rest } = splitChannelName(channel);
  if (namespace === 'room') return 'allow';
  if (namespace === 'private') return rest === user ? 'allow' : 'forbidden';
  return 'forbidden';
}
