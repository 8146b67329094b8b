import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The demo accounts, in one place. The reference server is a teaching and test fixture, not an
 * identity provider: passwords are plain text here on purpose so the demo and e2e specs can log in.
 */
export const DEMO_USERS: Readonly<Record<string, string>> = Object.freeze({
  alice: 'alice',
  bob: 'bob',
});

/** `alice/alice, bob/bob` — what the CLI prints so nobody has to read the source to log in. */
export function describeUsers(users: Readonly<Record<string, string>>): string {
  return Object.entries(users)
    .map(([user, password]) => `${user}/${password}`)
    .join(', ');
}

/**
 * True when `user` exists and `password` matches. Compares fixed-length digests so the time taken
 * does not reveal how many leading characters were right.
 */
export function checkCredentials(
  users: Readonly<Record<string, string>>,
  user: string,
  password: string,
): boolean {
  const expected = Object.hasOwn(users, user) ? users[user] : undefined;
  // Hash something even for unknown users so "no such user" and "wrong password" cost the same.
  const same = timingSafeEqual(digest(expected ?? ''), digest(password));
  return expected !== undefined && same;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
