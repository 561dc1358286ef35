import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSyncSettings } from '../../../src/commands/sync.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function settingsFrom(sync: string) {
  dir = await mkdtemp(path.join(os.tmpdir(), 'strangler-sync-settings-'));
  const configFile = path.join(dir, 'strangler.yaml');
  await writeFile(
    configFile,
    `monolith:\n  database: postgres://shop@127.0.0.1/shop\ncontexts:\n  catalog:\n    tables: [products]\n    service:\n      database: postgres://cat@127.0.0.1/catalog\n    sync:\n${sync}`,
  );
  return resolveSyncSettings({ domain: 'catalog', configFile });
}

describe('sync settings from strangler.yaml', () => {
  it('takes batchSize and lingerMs from the context, with defaults', async () => {
    const defaults = await settingsFrom('      via: direct\n');
    expect([defaults.batchSize, defaults.lingerMs]).toEqual([1000, 20]);
    const set = await settingsFrom('      batchSize: 50\n      lingerMs: 0\n');
    expect([set.batchSize, set.lingerMs]).toEqual([50, 0]);
  });
});
