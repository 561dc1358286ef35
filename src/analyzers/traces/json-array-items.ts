/**
 * The elements of one array of a JSON document (`{"data": [ {...}, {...} ]}`: the array under a top-level key), as
 * text, one element at a time, from text chunks that end anywhere. It tracks only strings, escapes and nesting
 * depth, so it runs at memory speed; each element is then parsed by JSON.parse. (stream-json, the usual library
 * for this, assembles every token in JavaScript and read the sample's Jaeger export ~10x slower than this.)
 */
export interface ArrayItemsResult {
  /** The array was found and closed. */
  complete: boolean;
  /** The top-level key was never found. */
  found: boolean;
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COLON = 58;
const COMMA = 44;

/** Yields the text of each element of the array at `document[key]`; `result` is filled in when the chunks end. */
export async function* jsonArrayItems(chunks: AsyncIterable<string>, key: string, result: ArrayItemsResult): AsyncGenerator<string> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** The string being read at depth 1 (a key, when a colon follows), in pieces across chunks. */
  let keyPieces: string[] | undefined;
  let keyStart = -1;
  let lastKey: string | undefined;
  let afterColon = false;
  let inArray = false;
  let itemPieces: string[] | undefined;
  let itemStart = -1;
  result.complete = false;
  result.found = false;
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (keyPieces) {
            keyPieces.push(chunk.slice(keyStart, i));
            lastKey = keyPieces.join('');
            keyPieces = undefined;
          }
        }
        continue;
      }
      if (c === QUOTE) {
        inString = true;
        if (depth === 1 && !afterColon) {
          keyPieces = [];
          keyStart = i + 1;
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (inArray && depth === 2 && c === OPEN_BRACE) {
          itemPieces = [];
          itemStart = i;
        }
        if (depth === 1 && c === OPEN_BRACKET && afterColon && lastKey === key && !result.found) {
          inArray = true;
          result.found = true;
        }
        depth++;
        afterColon = false;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (inArray && depth === 2 && itemPieces) {
          itemPieces.push(chunk.slice(itemStart, i + 1));
          yield itemPieces.join('');
          itemPieces = undefined;
        } else if (inArray && depth === 1) {
          inArray = false;
          result.complete = true;
        }
      } else if (depth === 1 && c === COLON) {
        afterColon = true;
      } else if (depth === 1 && c === COMMA) {
        afterColon = false;
        lastKey = undefined;
      }
    }
    // The open key or element goes on in the next chunk.
    if (keyPieces) {
      keyPieces.push(chunk.slice(keyStart));
      keyStart = 0;
    }
    if (itemPieces) {
      itemPieces.push(chunk.slice(itemStart));
      itemStart = 0;
    }
  }
}
