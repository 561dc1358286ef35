/** One undici connection pool per upstream origin: keep-alive connections, a bounded number of them. */
import { Pool } from 'undici';

export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly connections: number) {}

  get(origin: string): Pool {
    let p = this.pools.get(origin);
    if (!p) {
      p = new Pool(origin, { connections: this.connections, pipelining: 1, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connectTimeout: 5_000 });
      this.pools.set(origin, p);
    }
    return p;
  }

  /** Pools of origins no longer in the table close once their requests are done. */
  retain(origins: Set<string>): void {
    for (const [origin, p] of this.pools) {
      if (!origins.has(origin)) {
        this.pools.delete(origin);
        void p.close().catch(() => {});
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => p.destroy())));
    this.pools.clear();
  }
}

/** `http://host:port/base` -> origin and base path (requests go to base + their own path). */
export function splitUpstreamUrl(url: string): { origin: string; basePath: string } {
  const u = new URL(url);
  return { origin: u.origin, basePath: u.pathname.replace(/\/+$/, '') };
}
