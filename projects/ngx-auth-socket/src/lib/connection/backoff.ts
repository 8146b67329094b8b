import { ReconnectConfig } from '../config';

/**
 * Delay before reconnect attempt `attempt` (1 = the first retry): "full jitter", a uniform draw
 * between 0 and the exponential ceiling. Full jitter spreads a crowd of clients dropped at the same
 * moment (a server restart) over the whole window instead of bunching them at its edges.
 *
 * @param random a draw in [0, 1); injected so specs are exact.
 */
export function nextDelay(
  attempt: number,
  policy: Required<Pick<ReconnectConfig, 'initialDelayMs' | 'factor' | 'maxDelayMs'>>,
  random: () => number,
): number {
  const ceiling = backoffCeiling(attempt, policy);
  return Math.floor(Math.min(Math.max(random(), 0), 0.999999) * ceiling);
}

/** The upper bound of the jittered delay for `attempt`. */
export function backoffCeiling(
  attempt: number,
  policy: Required<Pick<ReconnectConfig, 'initialDelayMs' | 'factor' | 'maxDelayMs'>>,
): number {
  const exponent = Math.max(0, attempt - 1);
  // Cap before multiplying further so large attempt numbers cannot overflow to Infinity.
  const raw = policy.initialDelayMs * Math.pow(policy.factor, Math.min(exponent, 64));
  return Math.min(policy.maxDelayMs, Number.isFinite(raw) ? raw : policy.maxDelayMs);
}

/**
 * The delay actually used: the jittered backoff, raised to the server's retry hint when it gave
 * one, and never above the cap (a server cannot park a client longer than its own policy allows).
 */
export function retryDelay(
  attempt: number,
  policy: Required<Pick<ReconnectConfig, 'initialDelayMs' | 'factor' | 'maxDelayMs'>>,
  random: () => number,
  hintMs?: number,
): number {
  const jittered = nextDelay(attempt, policy, random);
  if (hintMs === undefined || !(hintMs > 0)) return jittered;
  return Math.min(policy.maxDelayMs, Math.max(jittered, hintMs));
}
