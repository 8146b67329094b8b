import { AuthSocketConfig } from 'ngx-auth-socket';
import { DJANGO_SERVER, DemoServer, REFERENCE_SERVER } from '../../demo/src/app/demo-server';

/**
 * The servers the lab can drive: the demo's server profiles (one place for each server's login,
 * refresh and logout API and its frame names), with the socket options they imply. `reference` is
 * server/ (the default); `django` is examples/django-channels.
 */
export interface LabServer extends DemoServer {
  /** Merged under every client's config. */
  readonly socket: Partial<AuthSocketConfig>;
}

function labServer(profile: DemoServer): LabServer {
  return { ...profile, socket: profile.firstMessage ? { firstMessage: profile.firstMessage } : {} };
}

export const LAB_SERVERS: Record<'reference' | 'django', LabServer> = {
  reference: labServer(REFERENCE_SERVER),
  django: labServer(DJANGO_SERVER),
};
