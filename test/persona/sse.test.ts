import { describe, expect, it } from 'vitest';
import { SseParser } from '../../src/persona/index.js';

describe('SseParser', () => {
  it('parses events split at every byte offset', () => {
    const stream = 'data: {"a":1}\n\n: comment\nevent: x\ndata: {"b":\ndata: 2}\n\r\ndata: [DONE]\n\n';
    for (let cut = 0; cut <= stream.length; cut++) {
      const p = new SseParser();
      const out = [...p.push(stream.slice(0, cut)), ...p.push(stream.slice(cut)), ...p.flush()];
      expect(out).toEqual(['{"a":1}', '{"b":\n2}', '[DONE]']);
    }
  });

  it('handles CRLF line ends and a missing final blank line', () => {
    const p = new SseParser();
    expect([...p.push('data: one\r\n\r\ndata: two'), ...p.flush()]).toEqual(['one', 'two']);
  });

  it('separates complete JSON events that lack the blank line between them', () => {
    const p = new SseParser();
    expect([...p.push('data: {"x":1}\ndata: {"y":2}\ndata: [DONE]\n'), ...p.flush()]).toEqual(['{"x":1}', '{"y":2}', '[DONE]']);
  });
});
