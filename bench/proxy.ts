// npm run bench:proxy [-- --seconds N]   (N seconds per measurement, default 10)
// Load from wrk (Debian's, a separate process) on loopback against: the upstream directly, strangler proxy
// (canary 50% with a sticky user key, metrics on), strangler proxy in shadow (every GET mirrored and compared),
// nginx and HAProxy as plain reverse proxies (one worker/thread each, like the single-threaded Node proxy) in front
// of the same upstream, in the same run. The upstream is an nginx serving a small JSON answer on two ports
// ("monolith" and "service"). Fixed rates are wrk with a Lua `delay()` per connection (20 connections, delay =
// 20 000 / rate ms: a closed loop that holds the rate; wrk2 is not in Debian); saturation is wrk -t2 -c64.
// Prints requests/s and latency p50/p99 added over the direct upstream at 1k and 5k requests/s and at saturation,
// and the throughput ratio to nginx; also the CPU time each proxy's processes spent per request (from /proc), a
// figure that other work on the shared cores does not distort; saves bench/results/proxy.json.
import { execa, type ResultPromise } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const seconds = Number(arg('seconds', '10'));

async function ensureBinaries(): Promise<void> {
  const missing: string[] = [];
  for (const [bin, pkg] of [['wrk', 'wrk'], ['nginx', 'nginx-light'], ['haproxy', 'haproxy']] as const) {
    if ((await execa('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`], { reject: false })).exitCode !== 0) missing.push(pkg);
  }
  if (missing.length === 0) return;
  process.stderr.write(`installing ${missing.join(', ')} with apt-get\n`);
  await execa('apt-get', ['install', '-y', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await fetch(url, { headers: { 'x-user-id': 'probe' } }).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

const nginxBase = (dir: string) => `worker_processes 1;\nuser root;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents { worker_connections 4096; }\n`;

function upstreamConf(dir: string, ports: number[]): string {
  const servers = ports.map((p) => `  server { listen 127.0.0.1:${p}; access_log off; location / { default_type application/json; return 200 '{"ok":true,"items":[1,2,3]}'; } }`).join('\n');
  return `${nginxBase(dir)}http {\n  keepalive_requests 1000000;\n${servers}\n}\n`;
}

function nginxProxyConf(dir: string, port: number, upstream: number): string {
  return `${nginxBase(dir)}http {\n  access_log off;\n  upstream app { server 127.0.0.1:${upstream}; keepalive 64; }\n  server { listen 127.0.0.1:${port}; keepalive_requests 1000000;\n    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; } }\n}\n`;
}

function haproxyConf(port: number, upstream: number): string {
  return `global\n  nbthread 1\n  maxconn 4096\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n  option http-keep-alive\n  http-reuse always\nfrontend f\n  bind 127.0.0.1:${port}\n  option forwardfor\n  default_backend b\nbackend b\n  server app 127.0.0.1:${upstream}\n`;
}

const strangler = (monolith: number, service: number, listen: number, admin: number, phase: string) => `monolith: { url: http://127.0.0.1:${monolith} }
proxy: { listen: 127.0.0.1:${listen}, admin: 127.0.0.1:${admin}, shadowLog: shadow.log }
contexts:
  bench:
    phase: ${phase}
    routes: ['GET /bench/*']
    service: { url: http://127.0.0.1:${service} }
    routing: { percent: 50, reason: benchmark, guardrails: { maxP99Ratio: 1000, p99SlackMs: 60000 } }
`;

const lua = `local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "0")
local n = 0
math.randomseed(os.time())
request = function()
  n = n + 1
  return wrk.format("GET", "/bench/item/" .. (n % 100), { ["x-user-id"] = "user-" .. math.random(1, 10000) })
end
if delay_ms > 0 then delay = function() return delay_ms end end
`;

interface Measure {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU seconds the proxy's processes used per 1,000 requests (independent of what else runs on the cores). */
  cpuMsPerRequest?: number;
}

/** utime + stime of a process and its descendants, seconds (Linux /proc, 100 ticks per second). */
function cpuSeconds(pid: number): number {
  const stats = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => {
    try {
      const text = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      return { pid: Number(d), ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / 100 };
    } catch {
      return undefined;
    }
  }).filter((x) => x !== undefined);
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const s of stats) if (!tree.has(s.pid) && tree.has(s.ppid)) (tree.add(s.pid), (grew = true));
  }
  return stats.filter((s) => tree.has(s.pid)).reduce((n, s) => n + s.cpu, 0);
}

/** wrk's "--latency" output: Requests/sec and the 50%/99% lines, in milliseconds. */
function parseWrk(out: string): Measure {
  const ms = (s: string) => {
    const m = /([\d.]+)(us|ms|s)/.exec(s)!;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const p = (q: string) => ms(new RegExp(`^\\s*${q}%\\s+(\\S+)`, 'm').exec(out)![1]!);
  const errs = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]), p50: p('50'), p99: p('99'), errors: Number(errs?.[1] ?? 0) + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0) };
}

async function wrk(url: string, script: string, o: { rate?: number; duration: number }): Promise<Measure> {
  const connections = o.rate ? 20 : 64;
  const args = ['-t', o.rate ? '1' : '2', '-c', String(connections), '-d', `${o.duration}s`, '--latency', '-s', script, url];
  const env = { ...process.env, WRK_DELAY_MS: o.rate ? String(Math.max(1, Math.round((connections * 1000) / o.rate))) : '0' };
  const r = await execa('wrk', args, { env });
  return parseWrk(r.stdout);
}

async function main(): Promise<void> {
  await ensureBinaries();
  await execa('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-proxy-'));
  const script = path.join(dir, 'sticky.lua');
  await writeFile(script, lua);
  const [monolith, service, nginxPort, haproxyPort, sCanary, aCanary, sShadow, aShadow] = await Promise.all(Array.from({ length: 8 }, freePort));
  const children: ResultPromise[] = [];
  const pids: Record<string, number> = {};
  const nginx = async (name: string, conf: string) => {
    const d = path.join(dir, name);
    await mkdir(d, { recursive: true });
    await writeFile(path.join(d, 'nginx.conf'), conf);
    const c = execa('nginx', ['-p', d, '-c', path.join(d, 'nginx.conf'), '-g', 'daemon off;'], { reject: false });
    children.push(c);
    pids[name] = c.pid!;
  };
  await nginx('upstream', upstreamConf(path.join(dir, 'upstream'), [monolith!, service!]));
  await nginx('proxy', nginxProxyConf(path.join(dir, 'proxy'), nginxPort!, monolith!));
  await writeFile(path.join(dir, 'haproxy.cfg'), haproxyConf(haproxyPort!, monolith!));
  const haproxy = execa('haproxy', ['-f', path.join(dir, 'haproxy.cfg')], { reject: false });
  children.push(haproxy);
  pids.haproxy = haproxy.pid!;
  for (const [name, phase, listen, admin] of [['canary', 'canary', sCanary, aCanary], ['shadow', 'shadow', sShadow, aShadow]] as const) {
    const d = path.join(dir, `strangler-${name}`);
    await mkdir(d, { recursive: true });
    await writeFile(path.join(d, 'strangler.yaml'), strangler(monolith!, service!, listen!, admin!, phase));
    // the compiled package, as an install runs it (bin/strangler.js in a checkout runs src/ through tsx's hooks,
    // which cost about a third more CPU per request)
    const c = execa('node', ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(path.join(root, 'dist/cli.js'))}); process.exitCode = await main(process.argv);`, '--', 'proxy', '-c', path.join(d, 'strangler.yaml'), 'proxy'], { reject: false, env: { ...process.env, NO_COLOR: '1' } });
    children.push(c);
    pids[`strangler-${name}`] = c.pid!;
  }
  const targets = [
    { name: 'upstream (direct)', url: `http://127.0.0.1:${monolith}`, pid: 0 },
    { name: 'strangler proxy canary 50% sticky', url: `http://127.0.0.1:${sCanary}`, pid: pids['strangler-canary']! },
    { name: 'strangler proxy shadow', url: `http://127.0.0.1:${sShadow}`, pid: pids['strangler-shadow']! },
    { name: 'nginx', url: `http://127.0.0.1:${nginxPort}`, pid: pids.proxy! },
    { name: 'haproxy', url: `http://127.0.0.1:${haproxyPort}`, pid: pids.haproxy! },
  ];
  try {
    for (const t of targets) await waitFor(`${t.url}/bench/item/1`);
    const results: Record<string, Record<string, Measure>> = {};
    for (const t of targets) {
      await wrk(`${t.url}/bench/item/1`, script, { duration: 3 }); // warm-up (JIT, connections)
      results[t.name] = {};
      for (const [label, rate] of [['1k', 1000], ['5k', 5000], ['saturation', undefined]] as const) {
        const cpuBefore = t.pid ? cpuSeconds(t.pid) : 0;
        const m = await wrk(`${t.url}/bench/item/1`, script, { rate, duration: seconds });
        if (t.pid) m.cpuMsPerRequest = ((cpuSeconds(t.pid) - cpuBefore) * 1000) / (m.rps * seconds);
        results[t.name]![label] = m;
        process.stderr.write(`${t.name} ${label}: ${JSON.stringify(results[t.name]![label])}\n`);
      }
    }
    report(results);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.allSettled(children);
  }
}

function report(results: Record<string, Record<string, Measure>>): void {
  const direct = results['upstream (direct)']!;
  const nginxRps = results.nginx!.saturation!.rps;
  const f = (x: number) => (x < 0 ? `${x.toFixed(2)}` : `+${x.toFixed(2)}`);
  const rows = Object.entries(results).map(([name, r]) => ({
    name,
    rps1k: r['1k']!.rps,
    added1k: { p50: r['1k']!.p50 - direct['1k']!.p50, p99: r['1k']!.p99 - direct['1k']!.p99 },
    rps5k: r['5k']!.rps,
    added5k: { p50: r['5k']!.p50 - direct['5k']!.p50, p99: r['5k']!.p99 - direct['5k']!.p99 },
    saturation: r.saturation!,
    ratioToNginx: r.saturation!.rps / nginxRps,
    cpuMsPerRequest: r.saturation!.cpuMsPerRequest,
    cpuRatioToNginx: r.saturation!.cpuMsPerRequest ? results.nginx!.saturation!.cpuMsPerRequest! / r.saturation!.cpuMsPerRequest : undefined,
    errors: r['1k']!.errors + r['5k']!.errors + r.saturation!.errors,
  }));
  const lines = [
    `wrk on loopback, ${seconds} s per measurement, ${os.cpus().length} cores shared by the load generator, the proxies and the upstream`,
    '',
    '| target | 1k rps: rps | added p50 / p99 ms | 5k rps: rps | added p50 / p99 ms | saturation rps | p50 / p99 ms | x nginx | CPU µs / request | x nginx per CPU | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.rps1k.toFixed(0)} | ${f(r.added1k.p50)} / ${f(r.added1k.p99)} | ${r.rps5k.toFixed(0)} | ${f(r.added5k.p50)} / ${f(r.added5k.p99)} | ${r.saturation.rps.toFixed(0)} | ${r.saturation.p50.toFixed(2)} / ${r.saturation.p99.toFixed(2)} | ${r.ratioToNginx.toFixed(2)} | ${r.cpuMsPerRequest === undefined ? '-' : (r.cpuMsPerRequest * 1000).toFixed(0)} | ${r.cpuRatioToNginx === undefined ? '-' : r.cpuRatioToNginx.toFixed(2)} | ${r.errors} |`),
    '',
    '"x nginx per CPU": requests per CPU-second of the proxy\'s own processes, relative to nginx (load-independent).',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = path.join(root, 'bench/results/proxy.json');
  void mkdir(path.dirname(out), { recursive: true }).then(() =>
    writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), seconds, cores: os.cpus().length, loadGenerator: 'wrk 4 (Debian), Lua delay() for fixed rates', rows, ratioToNginx: rows.find((r) => r.name.startsWith('strangler proxy canary'))!.ratioToNginx }, null, 2)}\n`),
  );
}

await main();
