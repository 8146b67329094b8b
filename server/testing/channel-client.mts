import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { connectWithTicket } from './connect.mjs';
import type { TestSocket } from './socket-client.mjs';

/** A server frame as the channel tests read it. */
export interface Frame {
  type: string;
  channel?: string;
  seq?: number;
  text?: string;
  presence?: string[];
  joined?: string[];
  left?: string[];
  reason?: string;
  id?: string;
}

/** Logs `user` in on `node` and opens a socket with a fresh ticket, closed when the test ends. */
export async function connect(t: TestContext, node: { readonly url: string }, user: string): Promise<TestSocket> {
  const socket = await connectWithTicket(node.url, { user });
  t.after(() => socket.close());
  return socket;
}

/** Every message up to and including the first that matches. */
export async function until(socket: TestSocket, match: (m: Frame) => boolean, waitMs?: number): Promise<Frame[]> {
  const seen: Frame[] = [];
  for (;;) {
    const m = (await socket.next(waitMs)) as Frame;
    seen.push(m);
    if (match(m)) return seen;
  }
}

/** Sends a join and returns what answered it: any replay / resume_failed, then joined or join_refused. */
export async function join(socket: TestSocket, channel: string, extra: Record<string, unknown> = {}): Promise<Frame[]> {
  socket.send({ type: 'join', channel, ...extra });
  return until(socket, (m) => (m.type === 'joined' || m.type === 'join_refused') && m.channel === channel);
}

/** Joins `channel` and returns the `joined` answer; fails the test on a refusal. */
export async function joined(socket: TestSocket, channel: string): Promise<Frame> {
  const answer = await join(socket, channel);
  assert.equal(answer.at(-1)?.type, 'joined', JSON.stringify(answer));
  return answer.at(-1)!;
}

/**
 * Nothing else is waiting for `socket`: a ping's pong comes back next. The server writes to one
 * socket in order, so anything it sent before answering the ping would come first.
 */
export async function nothingPending(socket: TestSocket): Promise<void> {
  socket.send({ type: 'ping', id: 'probe' });
  assert.deepEqual(await socket.next(), { type: 'ack', id: 'probe' });
  assert.deepEqual(await socket.next(), { type: 'pong', id: 'probe' });
}
