/**
 * The one file plan of strangler's generators (init, sync connect-config, extract): which files would be created,
 * changed or skipped, and why. Pure: the desired files and what is on disk in, the plan out.
 *
 * A file strangler wrote before is recorded in the root's manifest (`.strangler/manifest.json`) with the hash of
 * what was written. A file on disk whose hash is still the recorded one was not edited, and is updated; any other
 * existing file (edited since, or never generated) is skipped unless `force`.
 */
import { createHash } from 'node:crypto';

export const MANIFEST_PATH = '.strangler/manifest.json';

export interface DesiredFile {
  /** Relative to the plan's root, `/`-separated, no `..`. */
  path: string;
  contents: string;
  /** File mode, e.g. 0o755 for scripts (default 0o644). */
  mode?: number;
}

export type FileAction = 'create' | 'change' | 'unchanged' | 'skip';

export interface PlannedFile {
  path: string;
  action: FileAction;
  reason: string;
}

export interface FilePlan {
  /** Absolute folder the paths are relative to. */
  root: string;
  /** Whether the root folder exists yet (if not, the whole tree is moved into place at once). */
  rootExists: boolean;
  files: PlannedFile[];
}

/** What is on disk under the root: contents of the desired paths that exist, and the manifest. */
export interface DiskState {
  rootExists: boolean;
  existing: Map<string, string>;
  manifest: Manifest;
}

export interface Manifest {
  version: 1;
  /** path -> sha256 of the contents strangler last wrote. */
  files: Record<string, string>;
}

export const emptyManifest = (): Manifest => ({ version: 1, files: {} });

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A path that stays inside its root: relative, no `..` segment, no backslash, no empty segment. */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

export function planFiles(root: string, desired: DesiredFile[], disk: DiskState, options: { force: boolean }): FilePlan {
  const seen = new Set<string>();
  const files = desired.map((f): PlannedFile => {
    if (!isSafeRelativePath(f.path) || f.path === MANIFEST_PATH) throw new Error(`file plan: unsafe path ${JSON.stringify(f.path)}`);
    if (seen.has(f.path)) throw new Error(`file plan: ${f.path} planned twice`);
    seen.add(f.path);
    return { path: f.path, ...decide(f, disk, options.force) };
  });
  return { root, rootExists: disk.rootExists, files };
}

function decide(f: DesiredFile, disk: DiskState, force: boolean): { action: FileAction; reason: string } {
  const current = disk.existing.get(f.path);
  if (current === undefined) return { action: 'create', reason: 'new file' };
  if (current === f.contents) return { action: 'unchanged', reason: 'already up to date' };
  const recorded = disk.manifest.files[f.path];
  if (recorded !== undefined && recorded === sha256(current)) return { action: 'change', reason: 'generated earlier and not edited since' };
  const why = recorded === undefined ? 'not written by strangler' : 'edited since strangler generated it';
  if (force) return { action: 'change', reason: `${why}; overwritten (--force)` };
  return { action: 'skip', reason: `${why}; kept (--force overwrites it)` };
}

/** The manifest after applying: written and unchanged files get the new hash, skipped ones keep theirs. */
export function nextManifest(plan: FilePlan, desired: DesiredFile[], previous: Manifest): Manifest {
  const byPath = new Map(desired.map((f) => [f.path, f]));
  const files = { ...previous.files };
  for (const p of plan.files) {
    if (p.action !== 'skip') files[p.path] = sha256(byPath.get(p.path)!.contents);
  }
  return { version: 1, files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) };
}

export function planCounts(plan: FilePlan): Record<FileAction, number> {
  const counts: Record<FileAction, number> = { create: 0, change: 0, unchanged: 0, skip: 0 };
  for (const f of plan.files) counts[f.action]++;
  return counts;
}
