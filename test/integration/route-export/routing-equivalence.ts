/**
 * Does a gateway route like the proxy's table? Every context is put at `service` with its own real upstream (a node
 * server answering its context's name), the export runs in the real nginx or HAProxy, and for each route a concrete
 * request (params filled in, a rest path, the route's method, plus a method the route does not name and a trailing
 * slash) must reach the side matchRoute picks.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { runRouteExport } from '../../../src/commands/route-export.ts';
import { parseConfig } from '../../../src/config/load-config.ts';
import { buildRouteTable, matchRoute } from '../../../src/routing/route-table.ts';
import { freePort } from '../../harness/postgres-server.ts';
import { gatewayClient, startSideServer, type SideServer } from '../../harness/side-server.ts';
import { systemBinary } from '../../harness/system-binary.ts';
import { until } from '../../harness/until.ts';

export interface Probe {
  method: string;
  path: string;
  expected: string;
  got: string;
}

function probesOf(routes: string[]): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  for (const r of routes) {
    const [method, pattern] = r.split(/\s+/) as [string, string];
    const concrete = pattern.replace(/:[A-Za-z_][A-Za-z0-9_]*/g, 'p1').replace(/\/\*$/, '/rest/of/path');
    const m = method === 'ANY' ? 'DELETE' : method;
    out.push({ method: m, path: concrete }, { method: m, path: `${concrete.replace(/\/$/, '')}/` }, { method: m === 'PUT' ? 'PATCH' : 'PUT', path: concrete });
  }
  return out;
}

/** Routes every probe through the gateway; returns them with the side expected by the table and the side reached. */
export async function probeGateway(format: 'nginx' | 'haproxy', contexts: Record<string, string[]>): Promise<Probe[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `equivalence-${format}-`));
  const servers: SideServer[] = await Promise.all(['monolith', ...Object.keys(contexts)].map((n) => startSideServer(n)));
  const port = await freePort();
  const byName = new Map(servers.map((s) => [s.side, s]));
  const yaml = stringify({
    version: 1,
    monolith: { url: byName.get('monolith')!.url },
    proxy: { listen: `127.0.0.1:${port}` },
    contexts: Object.fromEntries(Object.entries(contexts).map(([c, routes]) => [c, { routes, phase: 'service', service: { url: byName.get(c)!.url }, routing: { reason: 'routing equivalence' } }])),
  });
  const configFile = path.join(dir, 'strangler.yaml');
  await writeFile(configFile, yaml);
  const table = buildRouteTable(parseConfig(yaml, configFile).config);
  const out = path.join(dir, format === 'nginx' ? 'strangler.conf' : 'haproxy.cfg');
  await runRouteExport({ configFile, all: true, format, out });
  let proc: ResultPromise;
  if (format === 'nginx') {
    const main = path.join(dir, 'nginx.conf');
    await writeFile(main, `daemon off;\nworker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${out};\n}\n`);
    proc = execa(await systemBinary('nginx'), ['-c', main, '-p', dir], { reject: false, stdin: 'ignore' });
  } else {
    proc = execa(await systemBinary('haproxy'), ['-db', '-f', out], { reject: false, stdin: 'ignore' });
  }
  const client = gatewayClient(`http://127.0.0.1:${port}`);
  try {
    let exited: string | undefined;
    void proc.then((r) => (exited = `${format} exited ${r.exitCode}: ${String(r.stderr)}`));
    await until(`${format} to answer`, async () => {
      if (exited) throw new Error(exited);
      return client.send('/').then(() => true, () => false);
    }, 30_000);
    const probes = probesOf(Object.values(contexts).flat());
    return await client.map(probes, async (p) => {
      const a = await client.send(p.path, { method: p.method });
      return { ...p, expected: matchRoute(table, p.method, p.path)?.context ?? 'monolith', got: a.side };
    });
  } finally {
    proc.kill('SIGTERM');
    await proc;
    await client.close();
    await Promise.all(servers.map((s) => s.close()));
  }
}
