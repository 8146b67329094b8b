/**
 * What a channel name may be (docs/PROTOCOL.md, "Channels"). Pure. Names are compared as they
 * are: no case folding, no trimming, so the name a client joins is exactly the one it is told
 * about in `joined`, `kicked` and every message.
 */

/** 1–128 characters from `[A-Za-z0-9:_.@-]`: safe in a Redis key, a pub/sub channel and JSON as is. */
export const CHANNEL_NAME = /^[A-Za-z0-9:_.@-]{1,128}$/;

export function isChannelName(value: unknown): value is string {
  return typeof value === 'string' && CHANNEL_NAME.test(value);
}

/**
 * The part before the first `:`, and the rest. A name without `:` is all namespace (and no
 * reference-server rule opens such a namespace).
 */
export function splitChannelName(name: string): { readonly namespace: string; readonly rest: string | undefined } {
  const colon = name.indexOf(':');
  return colon === -1 ? { namespace: name, rest: undefined } : { namespace: name.slice(0, colon), rest: name.slice(colon + 1) };
}
