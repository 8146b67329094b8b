// The README's recipe for servers whose frames have no `type` ("Servers whose frames have no
// `type`"), verbatim: e2e/token-rotation.test.mjs checks the two are the same and runs it.
import { SocketMessage, SocketSerializer } from 'ngx-auth-socket';

/** NestJS WsAdapter frames: `{event, data}` on the wire, `{type, ...data}` in the app. */
export const eventEnvelope: SocketSerializer = {
  serialize: (message) => {
    const { type, ...data } = message as SocketMessage;
    return JSON.stringify({ event: type, data });
  },
  deserialize: (frame) => {
    if (typeof frame !== 'string') throw new TypeError('binary frame');
    const { event, data } = JSON.parse(frame);
    // A payload that is not an object stays whole, under `data`.
    const fields = typeof data === 'object' && data !== null && !Array.isArray(data) ? data : { data };
    return { ...fields, type: event };
  },
};
