// The README's recipe for servers whose frames have no `type` ("Servers whose frames have no
// `type`"), verbatim: e2e/token-rotation.test.mjs checks the two are the same and runs it.
import { SocketMessage, SocketSerializer } from 'ngx-auth-socket';

/** NestJS WsAdapter frames: `{event, data}` on the wire, `{type, ...data}` in the app. */
export const eventEnvelope: SocketSerializer = {
  serialize: (message) => {
    const { type, ...fields } = message as SocketMessage;
    if (typeof type !== 'string') throw new TypeError('a message needs a string type');
    // `{type, data: 5}` carries the payload 5 itself, as `deserialize` reads `{"data": 5}`.
    const keys = Object.keys(fields);
    const whole = keys.length === 1 && keys[0] === 'data' && !isObject(fields['data']);
    return JSON.stringify({ event: type, data: whole ? fields['data'] : fields });
  },
  deserialize: (frame) => {
    if (typeof frame !== 'string') throw new TypeError('binary frame');
    const { event, data } = JSON.parse(frame);
    if (data === undefined) return { type: event };
    // A payload that is not an object stays whole, under `data`.
    if (!isObject(data)) return { type: event, data };
    // The name becomes `type`: a payload with a `type` of its own is refused (bad-frame), not cut.
    if ('type' in data) throw new TypeError('the payload has a type of its own');
    return { ...data, type: event };
  },
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
