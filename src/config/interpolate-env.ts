/**
 * `${NAME}` and `${NAME:-default}` in strangler.yaml string values, resolved from the environment.
 * `$${...}` is a literal `${...}`.
 */
const pattern = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface MissingVariable {
  name: string;
}

export function interpolateEnv(
  value: string,
  env: NodeJS.ProcessEnv,
): { value: string; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  const out = value.replace(pattern, (whole, escape: string, name: string, fallback?: string) => {
    if (escape) return whole.slice(1);
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    missing.push({ name });
    return whole;
  });
  return { value: out, missing };
}
