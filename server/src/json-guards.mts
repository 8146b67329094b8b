/**
 * What a client's JSON may not contain, checked before anything else looks at it. Pure.
 *
 * - Nesting deeper than {@link MAX_JSON_DEPTH}: `JSON.parse` copes, but everything after it that
 *   recurses (the echo's `JSON.stringify`, a log line) overflows the stack (issue 11: such a frame
 *   was acknowledged, then closed with 1011 and a stack trace per frame).
 * - Strings that are not well-formed UTF-16 (a lone surrogate, which JSON can smuggle in as a
 *   `\ud800` escape): they cannot be stored or forwarded faithfully (Redis' cjson refuses them,
 *   UTF-8 cannot encode them), so such a frame is refused rather than half-processed.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACKET = new Set(['[', '{']);
const CLOSE_BRACKET = new Set([']', '}']);

/** True when `text` nests arrays/objects deeper than `limit`. O(n), no recursion; brackets inside strings do not count. */
export function exceedsJsonDepth(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (OPEN_BRACKET.has(c)) {
      if (++depth > limit) return true;
    } else if (CLOSE_BRACKET.has(c)) {
      depth--;
    }
  }
  return false;
}

// With the `u` flag a paired surrogate is one astral code point; only a lone one is category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/** True when any string in `value` (keys included) holds a lone surrogate. Call after the depth check. */
export function hasIllFormedString(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasIllFormedString);
  return Object.entries(value).some(([key, item]) => LONE_SURROGATE.test(key) || hasIllFormedString(item));
}
