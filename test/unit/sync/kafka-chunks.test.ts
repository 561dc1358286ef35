import { describe, expect, it } from 'vitest';
import { chunkTopicMessages } from '../../../src/sync/kafka-transport.ts';

describe('produce requests stay under the broker limit', () => {
  const msg = (i: number, bytes: number) => ({ key: `k${i}`, value: 'x'.repeat(bytes) });
  it('splits by size, keeping each topic in order and every message once', () => {
    const input = [
      { topic: 'a', messages: Array.from({ length: 30 }, (_, i) => msg(i, 100_000)) },
      { topic: 'b', messages: Array.from({ length: 5 }, (_, i) => msg(i, 10)) },
    ];
    const chunks = chunkTopicMessages(input, 512 * 1024);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      const bytes = chunk.flatMap((t) => t.messages).reduce((n, m) => n + String(m.value).length, 0);
      expect(bytes).toBeLessThanOrEqual(512 * 1024);
    }
    const flat = (topic: string) => chunks.flat().filter((t) => t.topic === topic).flatMap((t) => t.messages.map((m) => m.key));
    expect(flat('a')).toEqual(input[0]!.messages.map((m) => m.key));
    expect(flat('b')).toEqual(input[1]!.messages.map((m) => m.key));
  });
  it('sends a message larger than the limit alone, and small batches in one request', () => {
    const chunks = chunkTopicMessages([{ topic: 'a', messages: [msg(1, 10), msg(2, 2_000_000), msg(3, 10)] }], 512 * 1024);
    expect(chunks.map((c) => c.flatMap((t) => t.messages.map((m) => m.key)))).toEqual([['k1'], ['k2'], ['k3']]);
    expect(chunkTopicMessages([{ topic: 'a', messages: [msg(1, 10), msg(2, 10)] }, { topic: 'b', messages: [msg(3, 10)] }])).toHaveLength(1);
  });
});
