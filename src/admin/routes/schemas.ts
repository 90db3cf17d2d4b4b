// JSON Schemas shared by the API routes (validated by Fastify's ajv, listed in OpenAPI).
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

/** `problems`: what a form can show next to its fields (`path` dotted, as in the file or body). */
export const errorReply = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    problems: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
  required: ['error'],
} as const;

export const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: NAME_PATTERN } },
} as const;

/** Secret fields by dotted path: a string sets it in the vault, null clears it. */
export const secretsBody = {
  type: 'object',
  maxProperties: 16,
  additionalProperties: { type: ['string', 'null'], maxLength: 4096 },
} as const;

/** Connection settings; the loader validates them in depth (with file:line:col). */
export const settingsBody = { type: 'object', maxProperties: 64 } as const;

export const anyObject = { type: 'object', additionalProperties: true } as const;
