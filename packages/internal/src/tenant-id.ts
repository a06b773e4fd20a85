/**
 * The toolkit's tenant id shape: 1 to 64 letters, digits, `_` or `-`. Poster account ids (`245580`),
 * UUIDs and slugs fit; quotes, spaces, `;` and backslashes never reach a server or a key.
 */
export const TENANT_ID_PATTERN: RegExp = /^[A-Za-z0-9_-]{1,64}$/

/** The rule in words, for validation messages. */
export const TENANT_ID_RULE = 'expected 1-64 characters of A-Z a-z 0-9 _ -'
