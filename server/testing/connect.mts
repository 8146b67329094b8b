import { channelUrl, fetchTicket, login } from './http-client.mjs';
import { TestSocket } from './socket-client.mjs';

export interface ConnectOptions {
  /** Demo user (password = name). @default 'alice' */
  readonly user?: string;
  /** The last seq seen, presented for a replay. */
  readonly resume?: number;
}

/** Logs in and opens a socket with a fresh ticket (`resume` bound to the ticket). */
export async function connectWithTicket(baseUrl: string, options: ConnectOptions = {}): Promise<TestSocket> {
  const { token } = await login(baseUrl, options.user ?? 'alice');
  const { ticket } = await fetchTicket(baseUrl, token, { resume: options.resume });
  return TestSocket.open(channelUrl(baseUrl, ticket));
}

/**
 * Logs in and opens a socket authenticated by its first frame (`resume` in that frame); resolves
 * once `auth_ok` has been read, so the next message is whatever follows it.
 */
export async function connectInBand(baseUrl: string, options: ConnectOptions = {}): Promise<TestSocket> {
  const user = options.user ?? 'alice';
  const { token } = await login(baseUrl, user);
  const socket = await TestSocket.open(channelUrl(baseUrl));
  socket.send(options.resume === undefined ? { type: 'auth', payload: token } : { type: 'auth', payload: token, resume: options.resume });
  const answer = await socket.next();
  if (JSON.stringify(answer) !== JSON.stringify({ type: 'auth_ok', user })) {
    throw new Error(`expected auth_ok, got ${JSON.stringify(answer)}`);
  }
  return socket;
}
