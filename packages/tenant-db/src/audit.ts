export { type AuditResult, type AuditTenancyOptions, auditTenancy, hasErrors } from './audit/audit-tenancy'
export { type AuditBaseline, createBaseline, parseBaseline } from './audit/baseline'
export type { PolicyPlan } from './audit/plans'
export type { Finding, FindingCode, Severity } from './audit/types'
