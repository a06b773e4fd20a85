// `pnpm --filter @rc/cache bench`: runs every cache benchmark side by side and
// writes the figures into bench/README.md between the results markers.
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { benchFailSafe } from './fail-safe'
import { benchL1 } from './l1'
import { benchRedis } from './redis'
import { benchRefresh } from './refresh'
import { benchStampede } from './stampede'
import { benchTiming } from './timing'
import { benchTracing } from './tracing'

const only = process.argv[2]
const suites: [string, () => Promise<string>][] = [
  ['l1', benchL1],
  ['redis', benchRedis],
  ['refresh', benchRefresh],
  ['fail-safe', benchFailSafe],
  ['stampede', benchStampede],
  ['timing', benchTiming],
]
// Run alone (`bench tracing`): it writes its own section of bench/README.md.
if (only === 'tracing') {
  const section = await benchTracing()
  console.log(section)
  const readme = new URL('./README.md', import.meta.url)
  const text = readFileSync(readme, 'utf8').replace(
    /<!-- tracing:start -->[\s\S]*<!-- tracing:end -->/,
    `<!-- tracing:start -->\n${section.trim()}\n<!-- tracing:end -->`,
  )
  writeFileSync(readme, text)
  process.exit(0)
}
const sections: string[] = []
for (const [name, run] of suites) {
  if (only && only !== name) continue
  console.log(`running ${name}...`)
  const section = await run()
  console.log(`${section}\n`)
  sections.push(section)
}
if (!only) {
  const readme = new URL('./README.md', import.meta.url)
  const header = `Last run: ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}.`
  const text = readFileSync(readme, 'utf8').replace(
    /<!-- results:start -->[\s\S]*<!-- results:end -->/,
    `<!-- results:start -->\n${header}\n\n${sections.join('\n\n')}\n<!-- results:end -->`,
  )
  writeFileSync(readme, text)
}
process.exit(0)
