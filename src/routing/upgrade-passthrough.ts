/**
 * WebSocket (and any other HTTP/1.1 upgrade) passthrough to the monolith: the request head is written to a new
 * TCP connection with X-Forwarded-For added, then bytes flow both ways untouched until either side closes.
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Upstream } from './proxy-view.ts';

export function passUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, monolith: Upstream, clientAddress: string, onError: (kind: string) => void): void {
  const u = new URL(monolith.origin);
  const upstream = net.connect({ host: u.hostname, port: Number(u.port || 80) });
  const lines = [`${req.method} ${monolith.basePath}${req.url} HTTP/1.1`];
  let forwarded = false;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    let value = req.rawHeaders[i + 1]!;
    if (/^x-forwarded-for$/i.test(name)) {
      value = `${value}, ${clientAddress}`;
      forwarded = true;
    }
    lines.push(`${name}: ${value}`);
  }
  if (!forwarded) lines.push(`X-Forwarded-For: ${clientAddress}`);
  const connectTimer = setTimeout(() => upstream.destroy(new Error('connect timeout')), Math.min(monolith.timeoutMs, 10_000));
  const destroyBoth = () => {
    clearTimeout(connectTimer);
    upstream.destroy();
    client.destroy();
  };
  let connected = false;
  upstream.once('connect', () => {
    connected = true;
    clearTimeout(connectTimer);
    upstream.setNoDelay(true);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.once('error', (e) => {
    onError('upgrade-upstream');
    if (!connected) {
      clearTimeout(connectTimer);
      if (client.writable) client.end(`HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nthe monolith did not accept the upgrade (${(e as Error).message})\n`);
      return;
    }
    destroyBoth();
  });
  client.once('error', destroyBoth);
  upstream.once('close', () => client.destroy());
  client.once('close', () => upstream.destroy());
}
