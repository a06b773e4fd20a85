// Guards packaging: every package's tsup entries equal its `exports` map
// (plus its `bin`), and each export target exists after a build.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

let failures = 0
for (const dir of readdirSync('packages')) {
  const root = join('packages', dir)
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const tsup = readFileSync(join(root, 'tsup.config.ts'), 'utf8')
  const entries = new Set([...tsup.matchAll(/'?([\w-]+)'?: 'src\/([\w-]+)\.ts'/g)].map((m) => m[1]))
  const wanted = new Set()
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (subpath === './package.json') continue
    wanted.add(subpath === '.' ? 'index' : subpath.slice(2))
    for (const file of [
      target.import.default,
      target.import.types,
      target.require.default,
      target.require.types,
    ]) {
      if (!existsSync(join(root, file))) {
        console.error(`${pkg.name}: export ${subpath} points at missing ${file}`)
        failures++
      }
    }
  }
  for (const bin of Object.values(pkg.bin ?? {})) wanted.add(bin.replace('./dist/', '').replace(/\.js$/, ''))
  const missing = [...wanted].filter((e) => !entries.has(e))
  const extra = [...entries].filter((e) => !wanted.has(e))
  if (missing.length || extra.length) {
    console.error(`${pkg.name}: tsup entries and exports differ (missing: ${missing}; extra: ${extra})`)
    failures++
  }
}
if (failures) process.exit(1)
console.log('exports match build entries in every package')
