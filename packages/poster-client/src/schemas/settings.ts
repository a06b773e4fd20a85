import { z } from 'zod'
import { num, text } from './coerce'

/**
 * `settings.getAllSettings`: known fields typed, every other one (`uses_*` flags...) kept as sent.
 * `COMPANY_ID` is the account's name (`"demo"`), not a number.
 */
export const settingsSchema = z.looseObject({
  COMPANY_ID: text,
  company_name: z.string(),
  timezones: z.string().optional(),
  lang: z.string().optional(),
  currency: z
    .looseObject({
      currency_id: num.optional(),
      currency_name: z.string().optional(),
      currency_code: z.string().optional(),
      currency_symbol: z.string().optional(),
      currency_code_iso: z.string().optional(),
    })
    .optional(),
})

export type PosterSettings = z.output<typeof settingsSchema>
