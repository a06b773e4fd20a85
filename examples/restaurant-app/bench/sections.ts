/*
 * Parts of bench/README.md that a bench run rewrites alone, between `<!-- <name>:start -->` and
 * `<!-- <name>:end -->`: the UI pages and the scale benches are run on their own.
 */
const start = (name: string) => `<!-- ${name}:start -->`
const end = (name: string) => `<!-- ${name}:end -->`

/** The README with section `name` replaced by `body` (markers added), or added at the end. */
export function replaceSection(readme: string, name: string, body: string): string {
  const section = `${start(name)}\n${body.trim()}\n${end(name)}`
  const from = readme.indexOf(start(name))
  const to = readme.indexOf(end(name))
  if (from < 0 || to < 0) return `${readme.trimEnd()}\n\n${section}\n`
  return `${readme.slice(0, from)}${section}${readme.slice(to + end(name).length)}`
}

/** Section `name` of a README, markers included, or undefined. */
export function sectionOf(readme: string, name: string): string | undefined {
  const from = readme.indexOf(start(name))
  const to = readme.indexOf(end(name))
  return from < 0 || to < 0 ? undefined : readme.slice(from, to + end(name).length)
}

/** A freshly rendered README keeps the sections of the old one that this run did not measure. */
export function keepSections(fresh: string, old: string, names: string[]): string {
  let out = fresh
  for (const name of names) {
    const kept = sectionOf(old, name)
    if (kept && !sectionOf(out, name)) out = `${out.trimEnd()}\n\n${kept}\n`
  }
  return out
}
