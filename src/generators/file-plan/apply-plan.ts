/**
 * Reads what a file plan needs from disk, and applies a plan: every file is first written into a temporary folder
 * next to the root, then moved into place (the whole tree at once when the root is new), so a failure while
 * writing leaves nothing half-written.
 */
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, readFile, rename, rm, stat, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { emptyManifest, MANIFEST_PATH, nextManifest, planFiles, type DesiredFile, type DiskState, type FilePlan, type Manifest } from './file-plan.ts';

export async function readDiskState(root: string, desired: DesiredFile[]): Promise<DiskState> {
  const rootExists = await isDirectory(root);
  const existing = new Map<string, string>();
  if (!rootExists) return { rootExists, existing, manifest: emptyManifest() };
  for (const f of desired) {
    const text = await readFile(path.join(root, f.path), 'utf8').catch(() => undefined);
    if (text !== undefined) existing.set(f.path, text);
  }
  return { rootExists, existing, manifest: await readManifest(root) };
}

async function readManifest(root: string): Promise<Manifest> {
  const text = await readFile(path.join(root, MANIFEST_PATH), 'utf8').catch(() => undefined);
  if (text === undefined) return emptyManifest();
  try {
    const m = JSON.parse(text) as Manifest;
    return m && m.version === 1 && typeof m.files === 'object' ? m : emptyManifest();
  } catch {
    return emptyManifest();
  }
}

/** Plans the files against what is on disk. */
export async function planOnDisk(root: string, desired: DesiredFile[], options: { force: boolean }): Promise<{ plan: FilePlan; disk: DiskState }> {
  const disk = await readDiskState(root, desired);
  return { plan: planFiles(root, desired, disk, options), disk };
}

/** Writes the plan's created and changed files, and the manifest. */
export async function applyFilePlan(plan: FilePlan, desired: DesiredFile[], disk: DiskState): Promise<void> {
  const writes = plan.files.filter((f) => f.action === 'create' || f.action === 'change');
  const manifest = nextManifest(plan, desired, disk.manifest);
  if (writes.length === 0 && JSON.stringify(manifest) === JSON.stringify(disk.manifest)) return;
  const parent = await writableAncestor(plan.root);
  const staging = path.join(plan.rootExists ? plan.root : parent, `.strangler-tmp-${randomBytes(6).toString('hex')}`);
  const byPath = new Map(desired.map((f) => [f.path, f]));
  try {
    await moveIntoPlace(plan, writes.map((w) => byPath.get(w.path)!), manifest, staging);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!code) throw e;
    throw new UsageError(`cannot write ${plan.root}: ${code} (${(e as Error).message})`, 'check the output folder (--out): it must be a writable folder on a disk with room');
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Stages every file, then moves the whole new tree (or, into an existing root, each file) into place. */
async function moveIntoPlace(plan: FilePlan, writes: DesiredFile[], manifest: Manifest, staging: string): Promise<void> {
  for (const w of writes) await writeStaged(staging, w);
  await writeStaged(staging, { path: MANIFEST_PATH, contents: `${JSON.stringify(manifest, null, 2)}\n` });
  if (!plan.rootExists) {
    await mkdir(path.dirname(plan.root), { recursive: true });
    await rename(staging, plan.root);
    return;
  }
  for (const p of [...writes.map((w) => w.path), MANIFEST_PATH]) {
    const target = path.join(plan.root, p);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(path.join(staging, p), target);
  }
}

async function writeStaged(staging: string, f: DesiredFile): Promise<void> {
  const file = path.join(staging, f.path);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, f.contents);
  if (f.mode !== undefined) await chmod(file, f.mode);
}

/** The nearest existing folder at or above `dir`; it must be writable. */
async function writableAncestor(dir: string): Promise<string> {
  let d = path.resolve(dir);
  while (!(await exists(d))) {
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  if (!(await isDirectory(d))) throw new UsageError(`cannot write under ${dir}: ${d} is a file, not a folder`, 'choose another output folder (--out)');
  try {
    await access(d, constants.W_OK);
  } catch {
    throw new UsageError(`cannot write under ${d}: permission denied`, 'choose another output folder (--out) or fix its permissions');
  }
  // access() says yes to root everywhere: create a folder there for real (not recursively: Node's recursive mkdir
  // never returns on /proc and similar file systems), so read-only and pseudo file systems are refused here
  const probe = path.join(d, `.strangler-probe-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(probe);
  } catch (e) {
    throw new UsageError(`cannot write under ${d}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'choose another output folder (--out): it must be a writable folder on a disk with room');
  }
  await rm(probe, { recursive: true, force: true });
  return d;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Plans and, unless dry-run, applies: what init, connect-config and extract call. */
export async function writeFilePlan(root: string, desired: DesiredFile[], options: { force: boolean; dryRun: boolean }): Promise<FilePlan> {
  const { plan, disk } = await planOnDisk(root, desired, options);
  if (!options.dryRun) await applyFilePlan(plan, desired, disk);
  return plan;
}
