import type { SocketMessage } from '../config';
import { AuthSocketError } from '../errors';
import { decodeFrame } from '../messaging/frame-codec';
import type { SocketLike } from '../runtime';
import type { ConnectionPorts } from './connection-like';
import { drain, Draining } from './drain';
import { OverlapFilter } from './overlap-filter';

/** What a handover needs from its connection. */
export interface HandoverHost {
  readonly ports: ConnectionPorts;
  /** Settles the outbox entry acknowledged by `id` (and lets the demand drop if that was the last). */
  acknowledge(id: string): void;
  /** Hands a message to the app (after the features' admission). */
  deliver(message: SocketMessage): void;
  /** Whether another successor is on its way (it will need what was delivered so far). */
  successorPending(): boolean;
}

/**
 * The make-before-break socket swap of `withTokenRotation()`, on the connection's side: while two
 * sockets overlap (and for a moment after the replaced one closed) the keys already delivered, so a
 * message both sockets carry is delivered once; and the replaced socket, heard until it closes, so
 * a message only it carried is not lost. Only apps that pass the feature ship this file.
 */
export class Handover {
  /** Without `withResume()`: resume has seqs of its own to tell a copy by. */
  #overlap: OverlapFilter | null = null;
  #draining: Draining | null = null;

  constructor(
    private readonly host: HandoverHost,
    private readonly messageId: ((message: SocketMessage) => unknown) | undefined,
  ) {}

  /** A successor socket is being opened: from now on a message may come twice. */
  opening(): void {
    const { ports } = this.host;
    if (ports.resume !== null) return;
    // One filter for as long as two sockets overlap, across back-to-back rotations.
    this.#overlap ??= new OverlapFilter(
      ports.channels,
      this.messageId,
      (typeof ngDevMode === 'undefined' || ngDevMode) && ports.dev
        ? (error) => ports.dev!.threw('withTokenRotation messageId', error)
        : undefined,
    );
    this.#overlap.unseal();
  }

  /** The successor was given up: nothing overlaps unless a replaced socket still drains. */
  dropped(): void {
    if (!this.#draining) this.#overlap = null;
  }

  /** The successor replaced `old`, which drains now; one replaced two rotations ago is closed. */
  promoted(old: SocketLike | null): void {
    this.#draining?.close();
    this.#draining =
      old &&
      drain(
        old,
        this.host.ports.runtime,
        (data) => this.#drained(data),
        () => this.#overlap?.seal(),
        () => this.#ended(),
      );
  }

  /** Every socket goes (teardown, destroy): close the drained one, forget what was delivered. */
  reset(): void {
    this.#overlap = null;
    this.#draining?.close();
    this.#draining = null;
  }

  /** For a message of the socket carrying traffic: false when it is a copy already delivered. */
  admits(message: SocketMessage): boolean {
    return this.#overlap === null || this.#overlap.firstTime(message, true);
  }

  /** A frame from the replaced socket: acks and replies count; a message only it carried is delivered. */
  #drained(data: unknown): void {
    const { ports } = this.host;
    const message = decodeFrame(data, ports.config.serializer);
    if (message instanceof AuthSocketError) return;
    // Control frames (a channel's join answer, a pong, a resume answer) are the features', not the app's.
    const extensions = ports.extensions;
    for (let i = 0; i < extensions.length; i++) if (extensions[i].frame?.(message, false)) return;
    // As on the socket carrying traffic: with acks on, an ack is the outbox's, whatever it settles.
    if (ports.config.delivery.acks && message.type === 'ack') {
      if (typeof message['id'] === 'string') this.host.acknowledge(message['id']);
    }
    // Without a seq or id there is no telling a repeat from a message only the old socket had: drop it.
    else if (!ports.answer(message) && this.#overlap?.firstTime(message, false) === true) this.host.deliver(message);
  }

  #ended(): void {
    this.#draining = null;
    // Keep the filter while a successor is on its way: it will need what was delivered so far.
    if (!this.host.successorPending()) this.#overlap = null;
  }
}
