// How numbers and times read on the pages: the same everywhere, whatever the server's locale.

const quantity = new Intl.NumberFormat('en', { maximumFractionDigits: 3 })
const money = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

export const formatQuantity = (value: number, unit?: string | null) =>
  unit ? `${quantity.format(value)} ${unit}` : quantity.format(value)

/** Currency units (Poster's kopecks are converted where they are read). */
export const formatMoney = (value: number) => money.format(value)

/** `2026-12-01 08:56 UTC`: unambiguous for a team spread over time zones. */
export function formatTime(value: Date | string | number): string {
  const date = new Date(value)
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** `5 min ago`, `3 h ago`, `2 days ago`. */
export function formatAgo(value: Date | string | number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - new Date(value).getTime()) / 1000))
  if (seconds < 60) return 'just now'
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`
  const days = Math.floor(seconds / 86_400)
  return `${days} day${days === 1 ? '' : 's'} ago`
}

/** `in 42 s`, `in 3 min`, `in 2 h`. */
export function formatIn(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000))
  if (seconds < 120) return `${seconds} s`
  if (seconds < 7200) return `${Math.ceil(seconds / 60)} min`
  return `${Math.ceil(seconds / 3600)} h`
}
