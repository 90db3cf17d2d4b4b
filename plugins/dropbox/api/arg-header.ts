// Dropbox-API-Arg carries JSON in an HTTP header, which must be ASCII: after
// serialisation every UTF-16 code unit >= 0x7F is written as \uXXXX (an emoji
// becomes its surrogate pair). Node would otherwise throw or send mangled bytes
// (dropbox-sdk-js#86). JSON.stringify already escapes lone surrogates.

export function encodeArg(value: unknown): string {
  return JSON.stringify(value ?? null).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Parses a Dropbox-API-Result header (ASCII JSON with \u escapes). */
export function parseResultHeader<T>(value: string | string[] | undefined, route: string): T {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') throw new Error(`${route}: the response has no Dropbox-API-Result header`);
  return JSON.parse(v) as T;
}
