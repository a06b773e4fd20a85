import { z } from 'zod'
import { TenantDbArgumentError } from '../errors'
import type { Finding } from './types'

/**
 * Findings accepted when a database adopted the audit: a gate then fails only
 * on findings whose key is not listed. Stored as JSON next to the code.
 */
export interface AuditBaseline {
  version: 1
  /** Finding keys (`code:object`), sorted. */
  findings: string[]
}

const baselineSchema = z.object({ version: z.literal(1), findings: z.array(z.string()) })

/** A baseline that accepts exactly these findings. */
export function createBaseline(findings: Finding[]): AuditBaseline {
  return { version: 1, findings: [...new Set(findings.map((f) => f.key))].sort() }
}

/** Validates a parsed baseline file. */
export function parseBaseline(input: unknown): AuditBaseline {
  const result = baselineSchema.safeParse(input)
  if (!result.success) {
    throw new TenantDbArgumentError(
      `the audit baseline is not valid (${result.error.issues.map((i) => `${i.path.join('.') || 'root'}: ${i.message}`).join('; ')}); write one with createBaseline() or \`rc-tenant-db audit --write-baseline <file>\`.`,
      result.error,
    )
  }
  return result.data
}
