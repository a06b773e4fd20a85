import { CacheError } from './errors'

// Stored keys look like `app|tenant:42||suppliers`: prefix and namespace
// segments joined by '|' and closed by '||', then the user's key. Segments
// have '%' and '|' escaped, so no prefix/namespace/key combination can
// produce another's stored key, and internal keys (tags, locks) never contain
// '||' while user keys always do.
const SEP = '|'
const STALE_TAG = '#nstale'
const STALE_MARK = `${SEP}${STALE_TAG}${SEP}`

/** Whether a tag key is the soft side of a tag (see `KeySpace.staleTagKey`). */
export function isStaleTagKey(tagKey: string): boolean {
  return tagKey.includes(STALE_MARK)
}

function escapeSegment(segment: string): string {
  return segment.replace(/%/g, '%25').replace(/\|/g, '%7C')
}

/** Escapes glob metacharacters so a literal string matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`)
}

export function validateKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new CacheError('CACHE_INVALID_ARGUMENT', `a key must be a non-empty string, got ${describe(key)}.`)
  }
}

export function validateSegment(name: unknown, what: 'prefix' | 'namespace'): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.startsWith('#')) {
    throw new CacheError(
      'CACHE_INVALID_ARGUMENT',
      `a ${what} must be a non-empty string not starting with '#' (reserved), got ${describe(name)}.`,
    )
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

/** The key space of one cache or namespace. */
export class KeySpace {
  /** `app|tenant:42` — the segments, without the closing '||'. */
  readonly base: string
  /** `app` — the root prefix, shared by every namespace. */
  readonly root: string
  /** `tenant:42/suppliers` — the namespace names, unescaped ('' at the root): what traces show. */
  readonly path: string

  private readonly segments: readonly string[]

  constructor(segments: readonly string[]) {
    this.segments = segments
    this.root = escapeSegment(segments[0]!)
    this.base = segments.map(escapeSegment).join(SEP)
    this.path = segments.slice(1).join('/')
  }

  child(namespace: string): KeySpace {
    return new KeySpace([...this.segments, namespace])
  }

  /** Stored key of a user key in this space. */
  key(key: string): string {
    return `${this.base}${SEP}${SEP}${key}`
  }

  /** Glob over this space's own keys, the user's glob applied to the key part. */
  pattern(userGlob: string): string {
    return `${escapeGlob(this.base)}${SEP}${SEP}${userGlob}`
  }

  /** Glob over this space and every namespace nested in it. */
  subtreePattern(): string {
    return `${escapeGlob(this.base)}${SEP}*`
  }

  /** A tag of this namespace: `invalidateTags` here bumps it, and no other namespace sees it. */
  tagKey(tag: string): string {
    return `${this.base}${SEP}#ntag${SEP}${escapeSegment(tag)}`
  }

  /** The soft side of a tag of this namespace: `expireTags` bumps it (entries turn stale, not absent). */
  staleTagKey(tag: string): string {
    return `${this.base}${SEP}${STALE_TAG}${SEP}${escapeSegment(tag)}`
  }

  /** A tag of the whole prefix, every namespace included (`invalidateTagsEverywhere`); 0.1's tag key. */
  prefixTagKey(tag: string): string {
    return `${this.root}${SEP}#tag${SEP}${escapeSegment(tag)}`
  }

  lockKey(storedKey: string): string {
    return `${this.root}${SEP}#lock${SEP}${escapeSegment(storedKey)}`
  }
}

/**
 * Redis-style glob (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`) as an anchored
 * RegExp; the `postgres` dialect's source is valid for PostgreSQL's `~`.
 */
export function globToRegExp(glob: string, dialect: 'js' | 'postgres' = 'js'): RegExp {
  // PostgreSQL's '.' already matches newlines; JS's needs [\s\S], which PostgreSQL rejects.
  const any = dialect === 'postgres' ? '.' : '[\\s\\S]'
  let source = '^'
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '\\' && i + 1 < glob.length) {
      source += escapeRegExp(glob[++i]!)
    } else if (c === '*') {
      source += `${any}*`
    } else if (c === '?') {
      source += any
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2)
      if (end === -1) {
        source += '\\['
        continue
      }
      let body = glob.slice(i + 1, end)
      const negate = body.startsWith('^')
      if (negate) body = body.slice(1)
      source += `[${negate ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/]/g, '\\]')}]`
      i = end
    } else {
      source += escapeRegExp(c)
    }
  }
  return new RegExp(`${source}$`)
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}
