export type { WebhookRejection } from './errors'
export { PosterWebhookError } from './errors'
export type { WebhookBody } from './webhooks/body'
export {
  type PosterWebhookEvent,
  parseWebhook,
  verifyWebhook,
  type WebhookAction,
  type WebhookObject,
  type WebhookOptions,
  webhookActions,
  webhookObjects,
} from './webhooks/parse'
export { type SignedWebhookFields, webhookSignature } from './webhooks/signature'
