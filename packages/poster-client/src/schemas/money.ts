import { num } from './coerce'

declare const kopecksBrand: unique symbol

/**
 * An amount in kopecks (1/100 of the account's currency unit), as Poster sends `cost`, `price`,
 * `prime_cost`, `supply_sum` and their `_netto` twins. A plain number at run time; the brand keeps it
 * from being used where currency units are expected: convert with {@link toCurrencyUnits}.
 */
export type Kopecks = number & { readonly [kopecksBrand]: true }

/**
 * A number in currency units (hryvnias, rubles...), such as a `createSupply` line's `sum`. Any plain
 * number is one; a {@link Kopecks} value is refused at compile time.
 */
export type CurrencyUnits = number & { readonly [kopecksBrand]?: never }

/** A money field in kopecks: `"1800"`, `1461` or `"443.45000"`, parsed to a branded number. */
export const kopecks = num.transform((value) => value as Kopecks)

/** Kopecks to currency units (`1461` -> `14.61`). */
export function toCurrencyUnits(amount: Kopecks): number {
  return amount / 100
}

/** Currency units to whole kopecks (`14.61` -> `1461`), rounded to the nearest kopeck. */
export function toKopecks(amount: CurrencyUnits): Kopecks {
  return Math.round(amount * 100) as Kopecks
}
