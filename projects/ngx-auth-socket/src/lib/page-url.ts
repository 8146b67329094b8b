import { DOCUMENT } from '@angular/common';
import { inject } from '@angular/core';

/**
 * The page URL that relative socket, ticket and request URLs resolve against; a loopback
 * placeholder on platforms without a location (server rendering). Call in an injection context.
 */
export function pageUrl(): string {
  const href = inject(DOCUMENT, { optional: true })?.location?.href;
  return href && /^https?:/.test(href) ? href : 'http://localhost/';
}
