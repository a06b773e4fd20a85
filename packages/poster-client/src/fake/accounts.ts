import { generateAccount } from './data'
import { createRng } from './rng'
import type { FakeAccount, FakePosterOptions } from './types'

/** Sections granted unless an account lists its own. */
const ALL_SECTIONS = ['storage', 'menu', 'access', 'settings', 'dash', 'finance', 'clients']

/** Accounts from the options, each with a deterministic token and generated data. */
export function createAccounts(
  input: FakePosterOptions['accounts'],
  seed: number,
  today: number,
): FakeAccount[] {
  const list =
    typeof input === 'number' || input === undefined
      ? Array.from({ length: input ?? 3 }, (_, i) => `demo${i + 1}`)
      : input
  return list.map((item, i) => {
    const spec = typeof item === 'string' ? { account: item } : item
    const accountNumber = spec.accountNumber ?? 100_000 + i + 1
    return {
      account: spec.account,
      accountNumber,
      // Poster's format: `{account_number}:{32 hex}`.
      token: spec.token ?? `${accountNumber}:${createRng(seed * 7919 + accountNumber).hex(32)}`,
      sections: spec.sections ?? ALL_SECTIONS,
      data: generateAccount(createRng(seed * 104_729 + accountNumber), spec.account, accountNumber, today),
    }
  })
}
