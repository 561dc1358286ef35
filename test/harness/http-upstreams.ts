/**
 * Real HTTP servers on loopback for the proxy tests: a service-like express app whose behaviour a test switches
 * (answers like the monolith, differs on purpose, fails with 500s, slows down), and an upstream with the bad
 * behaviours a proxy must survive (hangs, resets, slow streams, an upgrade echo), counting its connections.
 */
import express from 'express';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RunningUpstream {
  url: string;
  server: http.Server;
  /** Requests received, by path without query. */
  hits: Map<string, number>;
  /** Connections open now, and the most ever open at once. */
  connections: { open: number; max: number };
  close(): Promise<void>;
}

async function listen(app: http.RequestListener, port = 0): Promise<RunningUpstream> {
  const server = http.createServer(app);
  const hits = new Map<string, number>();
  const connections = { open: 0, max: 0 };
  const sockets = new Set<Socket>();
  server.on('request', (req: http.IncomingMessage) => {
    const p = (req.url ?? '/').split('?')[0]!;
    hits.set(p, (hits.get(p) ?? 0) + 1);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    connections.open++;
    connections.max = Math.max(connections.max, connections.open);
    s.on('close', () => {
      sockets.delete(s);
      connections.open--;
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    server,
    hits,
    connections,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

export const totalHits = (u: RunningUpstream) => [...u.hits.values()].reduce((a, b) => a + b, 0);

export interface ServiceBehaviour {
  mode: 'ok' | 'fail' | 'slow';
  slowMs: number;
}

/**
 * The extracted service, as a test wants it: GET /products answers exactly like the monolith (fetched from it),
 * GET /products/:id like the monolith with `name` changed and an `extra` field (a deliberate difference), any other
 * path `{"from":"service"}` — or 500s, or slow answers, as `behaviour` says.
 */
export async function startServiceLike(monolithUrl: string, behaviour: ServiceBehaviour = { mode: 'ok', slowMs: 0 }, port = 0): Promise<RunningUpstream & { behaviour: ServiceBehaviour }> {
  const app = express();
  app.use(async (_req, res, next) => {
    if (behaviour.mode === 'fail') return void res.status(500).json({ error: 'service failing on purpose' });
    if (behaviour.mode === 'slow') await new Promise((r) => setTimeout(r, behaviour.slowMs));
    next();
  });
  app.get('/products', async (req, res) => {
    const r = await fetch(`${monolithUrl}${req.url}`);
    res.status(r.status).type('application/json').send(await r.text());
  });
  app.get('/products/:id', async (req, res) => {
    const r = await fetch(`${monolithUrl}${req.url}`);
    const body = (await r.json()) as Record<string, unknown>;
    res.status(r.status).json({ ...body, name: `${String(body.name)} (service)`, extra: true });
  });
  app.use((req, res) => void res.json({ from: 'service', path: req.url }));
  const u = await listen(app, port);
  return { ...u, behaviour };
}

/**
 * An upstream with the behaviours a proxy must survive: `/slow?ms=N` answers after N ms, `/hang` never answers,
 * `/reset` drops the connection, `/upload` counts the body it reads, `/stream` sends a first chunk and the rest
 * only once `release()` is called, anything else `{"from":name}`; an `Upgrade: echo` request is switched and echoed.
 */
export async function startBadUpstream(name: string): Promise<RunningUpstream & { uploads: number[]; received: { bytes: number }; release(): void }> {
  const uploads: number[] = [];
  const received = { bytes: 0 };
  let releaseStream: (() => void)[] = [];
  const u = await listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/slow') {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ from: name, slow: true })), Number(url.searchParams.get('ms') ?? 100));
    } else if (url.pathname === '/hang') {
      // never answers
    } else if (url.pathname === '/reset') {
      req.socket.destroy();
    } else if (url.pathname === '/upload') {
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
        received.bytes += c.length;
      });
      req.on('end', () => {
        uploads.push(n);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ from: name, bytes: n }));
      });
      req.on('aborted', () => uploads.push(-n));
    } else if (url.pathname === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk\n');
      releaseStream.push(() => res.end('last chunk\n'));
    } else {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ from: name, path: req.url, headers: req.headers })));
    }
  });
  u.server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Seen-Forwarded-For: ${req.headers['x-forwarded-for'] ?? ''}\r\n\r\n`);
    if (head.length) socket.write(head);
    socket.pipe(socket);
  });
  return {
    ...u,
    uploads,
    received,
    release: () => {
      for (const r of releaseStream) r();
      releaseStream = [];
    },
  };
}
