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
const AUTH_DEADLINE_MS = 5000;

interface Peer {
  user: string | null;
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
    const peer: Peer = { user: null, expiry: null, deadline: null };
    this.#peers.set(client, peer);
    if (request.identity) return this.#authenticate(client, peer, request.identity);
    peer.deadline = setTimeout(() => client.close(CLOSE_UNAUTHORIZED, 'authentication timeout'), AUTH_DEADLINE_MS);
  }

  handleDisconnect(client: WebSocket): void {
    const peer = this.#peers.get(client);
    if (peer?.expiry) clearTimeout(peer.expiry);
    if (peer?.deadline) clearTimeout(peer.deadline);
    this.#peers.delete(client);
  }

  @SubscribeMessage('authenticate')
  authenticate(@ConnectedSocket() client: WebSocket, @MessageBody() body: { token?: unknown } | null) {
    const peer = this.#peers.get(client);
    if (!peer) return undefined;
    const claims = this.tokens.verify(body?.token);
    const refused =
      claims !== null && (REFUSED_USERS.has(claims.sub) || (peer.user !== null && claims.sub !== peer.user));
    if (claims === null || refused) {
      client.send(JSON.stringify({ event: 'auth_failed', data: { reason: refused ? 'forbidden' : 'invalid_token' } }));
      client.close(refused ? CLOSE_FORBIDDEN : CLOSE_UNAUTHORIZED, 'authentication failed');
      return undefined;
    }
    this.#authenticate(client, peer, claims);
    return { event: 'authenticated', data: { user: claims.sub } };
  }

  @SubscribeMessage('chat')
  chat(@ConnectedSocket() client: WebSocket, @MessageBody() body: { text?: unknown } | null) {
    const peer = this.#peers.get(client);
    if (!peer?.user) {
      client.close(CLOSE_UNAUTHORIZED, 'authentication required');
      return undefined;
    }
    if (typeof body?.text !== 'string') return { event: 'error', data: { reason: 'bad_message' } };
    const out = JSON.stringify({ event: 'chat', data: { id: randomUUID(), user: peer.user, text: body.text } });
    for (const [socket, other] of this.#peers) {
      if (other.user === peer.user && socket.readyState === WebSocket.OPEN) socket.send(out);
    }
    return undefined;
  }

  #authenticate(client: WebSocket, peer: Peer, claims: Claims): void {
    peer.user = claims.sub;
    if (peer.deadline) clearTimeout(peer.deadline);
    peer.deadline = null;
    if (peer.expiry) clearTimeout(peer.expiry);
    peer.expiry = setTimeout(() => client.close(CLOSE_UNAUTHORIZED, 'token expired'), claims.exp * 1000 - Date.now());
  }
}
