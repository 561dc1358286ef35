/**
 * Everything `strangler demo` starts (processes, ports, databases, replication slots, data folders, the broker) is
 * registered here with the function that releases it; `releaseAll` releases them in reverse order, each with a time
 * limit, and carries on past failures so one stuck resource does not leave the others behind.
 * The list is also written to `demo-resources.json` in the demo folder, so what was started can be checked.
 */
import { writeFileSync } from 'node:fs';
import type { DemoCleanupRecord } from './demo-events.ts';

export interface StartedResource {
  kind: 'process' | 'server' | 'broker' | 'proxy' | 'database' | 'replication-slot' | 'folder' | 'sync' | 'link';
  /** One line: `monolith (pid 1234, port 41234)`. */
  what: string;
  pid?: number;
  ports?: number[];
  path?: string;
}

interface Entry {
  resource: StartedResource;
  release: () => Promise<void>;
  released?: DemoCleanupRecord;
}

export class ResourceRegistry {
  private readonly entries: Entry[] = [];

  constructor(private readonly recordFile?: string, private readonly timeoutMs = 30_000) {}

  add(resource: StartedResource, release: () => Promise<void>): void {
    this.entries.push({ resource, release });
    this.record();
  }

  /** What has been registered so far, in order. */
  get started(): StartedResource[] {
    return this.entries.map((e) => e.resource);
  }

  async releaseAll(onEach?: (r: DemoCleanupRecord) => void): Promise<DemoCleanupRecord[]> {
    const out: DemoCleanupRecord[] = [];
    for (const entry of [...this.entries].reverse()) {
      if (entry.released) continue;
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not released within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      });
      try {
        await Promise.race([entry.release(), limit]);
        entry.released = { what: entry.resource.what, ok: true };
      } catch (e) {
        entry.released = { what: entry.resource.what, ok: false, error: (e as Error)?.message ?? String(e) };
      } finally {
        clearTimeout(timer);
      }
      out.push(entry.released);
      onEach?.(entry.released);
      this.record();
    }
    return out;
  }

  private record(): void {
    if (!this.recordFile) return;
    const started = this.entries.map((e) => ({ ...e.resource, ...(e.released ? { released: e.released.ok, ...(e.released.error ? { error: e.released.error } : {}) } : {}) }));
    try {
      writeFileSync(this.recordFile, `${JSON.stringify({ started }, null, 2)}\n`);
    } catch {
      // the record is a convenience; the demo folder may be gone already
    }
  }
}
