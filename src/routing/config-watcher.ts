/** Calls `onChange` once a burst of changes to a file has settled (fs.watch on its folder: editors replace files). */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export function watchFile(file: string, onChange: () => void, debounceMs = 150): { close(): void } {
  const base = path.basename(file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined = watch(path.dirname(file), (_event, name) => {
    if (name !== null && name.toString() !== base) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on('error', () => {});
  return {
    close: () => {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
