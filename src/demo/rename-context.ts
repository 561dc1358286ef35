/**
 * Picks the proposed context of an analysis that stands for a context of the sample's intended design (domains.yaml)
 * — the one holding most of its tables — and renames it in analysis.yaml's text, comments kept (pure).
 */
import { isMap, isScalar, parseDocument } from 'yaml';

/** The proposed context with the most of `tables`, or undefined when none holds any. */
export function closestContext(proposed: Record<string, { tables: string[] }>, tables: string[]): string | undefined {
  let best: { name: string; shared: number } | undefined;
  for (const [name, c] of Object.entries(proposed)) {
    const shared = c.tables.filter((t) => tables.includes(t)).length;
    if (shared > 0 && (!best || shared > best.shared)) best = { name, shared };
  }
  return best?.name;
}

/** analysis.yaml with `contexts.<from>` renamed to `<to>` (a context already named `to` is left as it is). */
export function renameContext(text: string, from: string, to: string): string {
  if (from === to) return text;
  const doc = parseDocument(text);
  const contexts = doc.get('contexts');
  if (!isMap(contexts)) return text;
  for (const pair of contexts.items) {
    if (isScalar(pair.key) && pair.key.value === to) return text;
  }
  for (const pair of contexts.items) {
    if (isScalar(pair.key) && pair.key.value === from) pair.key.value = to;
  }
  return doc.toString();
}
