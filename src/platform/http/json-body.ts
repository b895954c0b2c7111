/**
 * How a JSON request body is read, on either HTTP adapter: the same refusals,
 * in the same words, so a client cannot tell which one answered.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorCode } from '../../shared/errors/error-codes';

/** What a body that is not JSON gets on a JSON-only method, on either adapter. */
export const NOT_JSON_REFUSAL = {
  status: 415,
  message: 'request body must be application/json',
  code: 'UNSUPPORTED_MEDIA_TYPE' satisfies ErrorCode,
} as const;

/** Methods whose body must be JSON; on any other method a body is ignored, as body-parser ignores it. */
const JSON_ONLY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Whether a request's body must be JSON: it has one (a length above 0, or chunked) on POST, PUT or PATCH.
 * Such a body that is not JSON is refused up front (NOT_JSON_REFUSAL) instead of being read as an empty object.
 */
export function bodyMustBeJson(method: string, headers: IncomingHttpHeaders): boolean {
  const hasBody = Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined;
  return hasBody && JSON_ONLY_METHODS.has(method);
}

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * JSON.parse keeps "__proto__" as an own key, which validation then does not
 * see as an unknown field; refuse it (and "constructor"/"prototype") while
 * parsing, as a 400 malformed body.
 */
export function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (PROTOTYPE_KEYS.has(key)) {
    throw new SyntaxError(`property ${key} is not allowed`);
  }
  return value;
}

/** Only these can spell a refused key: the names themselves, or a \u escape standing for them. */
const MAY_HOLD_PROTOTYPE_KEY = /__proto__|constructor|prototype|\\u/;

/**
 * A JSON body as body-parser reads it in strict mode with `refusePrototypeKeys`:
 * an object or an array, else a SyntaxError with body-parser's message.
 * The reviver (slow) only runs on text that could hold a refused key.
 */
export function parseJsonBody(text: string): unknown {
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') throw strictViolation(text, first);
  return MAY_HOLD_PROTOTYPE_KEY.test(text) ? JSON.parse(text, refusePrototypeKeys) : JSON.parse(text);
}

/** body-parser's strict error: what JSON.parse says about the first character, quoted from the body. */
function strictViolation(text: string, first: string | undefined): SyntaxError {
  const index = first === undefined ? -1 : text.indexOf(first);
  const partial = index === -1 ? '' : text.slice(0, index) + '#'.repeat(text.length - index);
  try {
    JSON.parse(partial);
    return new SyntaxError('strict violation');
  } catch (error) {
    const message = (error as Error).message.replace(/#+/g, (placeholder) => text.slice(index, index + placeholder.length));
    return new SyntaxError(message);
  }
}
