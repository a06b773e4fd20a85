/**
 * True if `work` settled (either way) within `ms`, false once `ms` passed first. For shutdown steps
 * that must not hold up the exit: their outcome does not matter, only that they ended.
 */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  const ended = work.then(
    () => true as const,
    () => true as const,
  )
  try {
    return await Promise.race([ended, expired])
  } finally {
    clearTimeout(timer)
  }
}
