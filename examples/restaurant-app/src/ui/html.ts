/** Markup that is already safe: produced by `html` or vouched for with `raw`. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
const UNSAFE = /[&<>"']/
const UNSAFE_ALL = /[&<>"']/g

export function escapeHtml(text: string): string {
  // Most text needs no escaping: testing first skips building a new string (the checklist has thousands).
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, (c) => ESCAPES[c] as string) : text
}

/** Trusted markup, inserted as it is. */
export const raw = (markup: string) => new Html(markup)

function render(value: unknown): string {
  if (value instanceof Html) return value.value
  if (value === undefined || value === null || value === false) return ''
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/**
 * A template tag that escapes every interpolated value unless it is `Html`; arrays are joined and
 * `undefined`, `null` and `false` render as nothing, so `${cond && html`...`}` reads naturally.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] as string
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] as string)
  return new Html(out)
}
