import type { Attributes, Span, SpanKind } from '@opentelemetry/api'

/** How one tracing channel becomes spans: a name, a kind and attributes at start, result fields at the end. */
export interface SpanRecipe<C extends object = any> {
  channel: string
  kind: SpanKind
  name(ctx: C): string
  attributes(ctx: C): Attributes
  /** Reads the fields the package set on the context before the operation settled. */
  result?(ctx: C, span: Span): void
}

/** Attributes without the undefined ones (the context objects leave optional fields out or undefined). */
export function defined(attributes: Record<string, Attributes[string] | undefined>): Attributes {
  const out: Attributes = {}
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value
  return out
}
