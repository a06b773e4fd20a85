import { z } from 'zod'
import { num } from './coerce'

/** `settings.getAllSettings`: known fields typed, every other one (`uses_*` flags...) kept as sent. */
export const settingsSchema = z.looseObject({
  COMPANY_ID: num,
  company_name: z.string(),
  timezones: z.string().optional(),
  lang: z.string().optional(),
  currency: z.looseObject({}).optional(),
})

export type PosterSettings = z.output<typeof settingsSchema>
