import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import type { TicketedRequest } from './ticket-ws.adapter';
import { Claims, REFUSED_USERS, TokensService } from './tokens.service';

/** Close codes the client is told about: a new token is needed / this user may not connect. */
export const CLOSE_UNAUTHORIZED = 4001;
export const CLOSE_FORBIDDEN = 4003;
/** How long a socket without a ticket has to send its `authenticate` frame. */
const AUTH_DEADLINE_MS = Number(process.env['AUTH_DEADLINE_MS'] ?? 5000);
/** After a verdict, how long the client has to answer the close before the socket is cut. */
const CLOSE_GRACE_MS = 1000;
/** setTimeout's longest delay: a longer one fires at once. */
const MAX_DELAY_MS = 2 ** 31 - 1;

interface Peer {
  user: string | null;
  /** A verdict was given: the socket is closing and nothing it sends counts any more. */
  closing: boolean;
  expiry: NodeJS.Timeout | null;
  deadline: NodeJS.Timeout | null;
}

/**
 * Frames are Nest's `{"event": …, "data": …}` both ways. A socket is authenticated by its ticket
 * (checked in the upgrade by `TicketWsAdapter`) or by its first frame, `authenticate` with the
 * access token; the same frame on an open socket re-authenticates it (same user only), and the
 * socket is closed with 4001 when its token lapses. `chat` goes to every socket of its user.
 */
@WebSocketGateway({ path: '/ws' })
export class ChatGateway implements OnGatewayConnection, OnGatewayDisconnect {
  readonly #peers = new Map<WebSocket, Peer>();

  constructor(private readonly tokens: TokensService) {}

  handleConnection(client: WebSocket, request: TicketedRequest): void {
    const peer: Peer = { user: null, closing: false, expiry: null, deadline: null };
    this.#peers.set(client, peer);
    if (request.identity) return this.#authenticate(client, peer, request.identity);
    peer.deadline = setTimeout(() => this.#refuse(client, peer, 'auth_timeout', CLOSE_UNAUTHORIZED), AUTH_DEADLINE_MS);
  }

  handleDisconnect(client: WebSocket): void {
    const peer = this.#peers.get(client);
    if (peer?.expiry) clearTimeout(peer.expiry);
    if (peer?.deadline) clearTimeout(peer.deadline);
    this.#peers.delete(client);
  }

  @SubscribeMessage('authenticate')
  authenticate(@ConnectedSocket() client: WebSocket, @MessageBody() body: { token?: unknown } | null): undefined {
    const peer = this.#peers.get(client);
    if (!peer || peer.closing) return undefined;
    const claims = this.tokens.verify(body?.token);
    if (claims === null) return this.#refuse(client, peer, 'invalid_token', CLOSE_UNAUTHORIZED);
    // A socket belongs to one user for life; a refused user may not use it at all.
    if (REFUSED_USERS.has(claims.sub) || (peer.user !== null && claims.sub !== peer.user)) {
      return this.#refuse(client, peer, 'forbidden', CLOSE_FORBIDDEN);
    }
    // The acknowledgement goes out before anything the socket may now receive.
    client.send(JSON.stringify({ event: 'authenticated', data: { user: claims.sub } }));
    this.#authenticate(client, peer, claims);
    return undefined;
  }

  @SubscribeMessage('chat')
  chat(@ConnectedSocket() client: WebSocket, @MessageBody() body: { text?: unknown } | null) {
    const peer = this.#peers.get(client);
    if (!peer || peer.closing) return undefined;
    if (!peer.user) return this.#refuse(client, peer, 'auth_required', CLOSE_UNAUTHORIZED);
    if (typeof body?.text !== 'string') return { event: 'error', data: { reason: 'bad_message' } };
    const out = JSON.stringify({ event: 'chat', data: { id: randomUUID(), user: peer.user, text: body.text } });
    for (const [socket, other] of this.#peers) {
      if (other.user === peer.user && !other.closing && socket.readyState === WebSocket.OPEN) socket.send(out);
    }
    return undefined;
  }

  #authenticate(client: WebSocket, peer: Peer, claims: Claims): void {
    peer.user = claims.sub;
    if (peer.deadline) clearTimeout(peer.deadline);
    peer.deadline = null;
    this.#expireAt(client, peer, claims.exp * 1000);
  }

  /** Closes with 4001 when the token lapses; in hops, since a token may outlive setTimeout's range. */
  #expireAt(client: WebSocket, peer: Peer, at: number): void {
    if (peer.expiry) clearTimeout(peer.expiry);
    const left = at - Date.now();
    peer.expiry = setTimeout(
      () =>
        left > MAX_DELAY_MS
          ? this.#expireAt(client, peer, at)
          : this.#refuse(client, peer, 'token_expired', CLOSE_UNAUTHORIZED, false),
      Math.min(Math.max(left, 0), MAX_DELAY_MS),
    );
  }

  /**
   * A verdict: the refusal frame (none for a token that lapsed: the close says it), then the close.
   * From here on the socket counts as nobody's — a client that does not answer the close could
   * otherwise go on sending — and it is cut if it has not closed within CLOSE_GRACE_MS.
   */
  #refuse(client: WebSocket, peer: Peer, reason: string, code: number, frame = true): undefined {
    peer.closing = true;
    peer.user = null;
    if (peer.expiry) clearTimeout(peer.expiry);
    if (peer.deadline) clearTimeout(peer.deadline);
    peer.expiry = peer.deadline = null;
    if (client.readyState === WebSocket.OPEN) {
      if (frame) client.send(JSON.stringify({ event: 'auth_failed', data: { reason } }));
      client.close(code, reason);
    }
    setTimeout(() => client.terminate(), CLOSE_GRACE_MS).unref();
    return undefined;
  }
}
