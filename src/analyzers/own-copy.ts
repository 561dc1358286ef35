/**
 * A copy of `s` that does not keep the text it was cut from alive. Log readers cut statements, sessions and
 * tags out of ~1 MB chunks of text; V8 represents such substrings as views into the chunk, so keeping one in a
 * long-lived map would keep its whole chunk in memory. Concatenating and slicing makes V8 flatten the string
 * into a buffer of its own.
 */
export function ownCopy(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1);
}
