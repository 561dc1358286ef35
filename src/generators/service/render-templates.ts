/**
 * The service template: files under templates/service/, with `{{name}}` placeholders. An unknown placeholder is a
 * template error naming the file and line; nothing is written then.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../errors.ts';

export const DEFAULT_TEMPLATES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../templates/service');

export interface TemplateFile {
  /** Relative to the template root, `/`-separated. */
  path: string;
  text: string;
}

export async function readTemplates(root: string): Promise<TemplateFile[]> {
  const out: TemplateFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw new ConfigError(`templates: cannot read ${dir} (${(e as NodeJS.ErrnoException).code ?? e})`, 'pass an existing template folder with --templates');
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else out.push({ path: path.relative(root, full).split(path.sep).join('/'), text: await readFile(full, 'utf8') });
    }
  };
  await walk(root);
  return out;
}

const PLACEHOLDER = /\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g;

export function renderTemplate(t: TemplateFile, vars: Record<string, string>, root: string): string {
  return t.text.replace(PLACEHOLDER, (whole, name: string, offset: number) => {
    const value = vars[name];
    if (value === undefined) {
      const line = t.text.slice(0, offset).split('\n').length;
      throw new ConfigError(`${path.join(root, t.path)}:${line}: unknown template variable {{${name}}}`, `use one of: ${Object.keys(vars).sort().join(', ')}`);
    }
    return value;
  });
}
