/**
 * Secret redaction. Every string that leaves the library (error messages, state, logs) passes
 * through here, so a JWT or a ticket can never leak into an app's console or telemetry.
 */

// A JWS compact serialization: three base64url parts, the header always starts with `eyJ` ('{"').
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
const BEARER_PATTERN = /(Bearer\s+)[^\s,;"']+/gi;
const TICKET_PARAM_PATTERN = /([?&](?:ticket|token|access_token|jwt)=)[^&#\s"']*/gi;

/** Replaces JWTs, Bearer credentials and ticket/token query values in `text` with placeholders. */
export function redact(text: string): string {
  return text
    .replace(BEARER_PATTERN, '$1[redacted]')
    .replace(JWT_PATTERN, '[jwt]')
    .replace(TICKET_PARAM_PATTERN, '$1[redacted]');
}

/** Redacts one query parameter (the configured ticket parameter) in a URL string. */
export function redactParam(url: string, param: string): string {
  const escaped = param.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return redact(url.replace(new RegExp(`([?&]${escaped}=)[^&#]*`, 'g'), '$1[redacted]'));
}
