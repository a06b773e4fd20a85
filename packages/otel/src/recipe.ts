import type { Attributes, Span, SpanKind } from '@opentelemetry/api'

/** How one tracing channel becomes spans: a name, a kind and attributes at start, result fields at the end. */
export interface SpanRecipe<C extends object = any> {
  channel: string
  kind: SpanKind
  name(ctx: C): string
  /** Undefined values are fine: the SDK skips them (so optional fields need no filtering per span). */
  attributes(ctx: C): Attributes
  /** Reads the fields the package set on the context before the operation settled. */
  result?(ctx: C, span: Span): void
}
