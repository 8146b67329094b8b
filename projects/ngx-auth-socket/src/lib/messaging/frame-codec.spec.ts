import { jsonSerializer } from '../config';
import { AuthSocketError } from '../errors';
import { decodeFrame, encodeMessage } from './frame-codec';

describe('frame codec', () => {
  it('decodes a JSON object with a string type', () => {
    expect(decodeFrame('{"type":"chat","text":"hi"}', jsonSerializer)).toEqual({ type: 'chat', text: 'hi' });
  });

  const bad: Array<[string, unknown]> = [
    ['non-JSON text', 'hello'],
    ['JSON without type', '{"text":"hi"}'],
    ['numeric type', '{"type":5}'],
    ['JSON array', '[1,2]'],
    ['JSON null', 'null'],
    ['binary frame', new ArrayBuffer(4)],
    ['a Blob', new Blob(['x'])],
  ];
  for (const [name, frame] of bad) {
    it(`turns ${name} into a bad-frame error`, () => {
      const result = decodeFrame(frame, jsonSerializer);
      expect(result).toBeInstanceOf(AuthSocketError);
      expect((result as AuthSocketError).code).toBe('bad-frame');
    });
  }

  it('lets a custom serializer accept binary frames', () => {
    const serializer = {
      serialize: (m: unknown) => JSON.stringify(m),
      deserialize: (d: string | ArrayBuffer) => JSON.parse(typeof d === 'string' ? d : new TextDecoder().decode(d)),
    };
    const bytes = new TextEncoder().encode('{"type":"bin"}').buffer as ArrayBuffer;
    expect(decodeFrame(bytes, serializer)).toEqual({ type: 'bin' });
  });

  it('encodes with the serializer and reports failures as encode-failed', () => {
    expect(encodeMessage({ type: 'a' }, jsonSerializer)).toBe('{"type":"a"}');
    const circular: Record<string, unknown> = { type: 'x' };
    circular['self'] = circular;
    const result = encodeMessage(circular, jsonSerializer);
    expect(result).toBeInstanceOf(AuthSocketError);
    expect((result as AuthSocketError).code).toBe('encode-failed');
    expect(encodeMessage(undefined, jsonSerializer)).toBeInstanceOf(AuthSocketError);
  });
});
