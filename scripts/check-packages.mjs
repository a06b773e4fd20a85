// Checks what each published package would ship, from the tarball `pnpm pack` makes (the one a
// release publishes, with publishConfig applied), after a build:
// - the packed package.json has no workspace-only `@rc/source` condition, no `workspace:` range,
//   no dependency on the private @rc/internal, and its exports map equals the workspace map minus
//   `@rc/source`;
// - the tarball holds package.json, README, LICENSE and dist only;
// - the entries tsup built (its metafile) are exactly the export targets, each present, and so is `bin`;
// - every bare import in the shipped code and types names a declared dependency or peer;
// - publint --strict and attw (node16 profile) pass on the tarball.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
let failures = 0
const fail = (pkg, message) => {
  console.error(`${pkg}: ${message}`)
  failures++
}

/** Every file an exports map points at, whatever the condition. */
function targets(map) {
  if (typeof map === 'string') return [map]
  return Object.values(map ?? {}).flatMap(targets)
}

function withoutSource(map) {
  if (typeof map === 'string') return map
  return Object.fromEntries(
    Object.entries(map)
      .filter(([condition]) => condition !== '@rc/source')
      .map(([key, value]) => [key, withoutSource(value)]),
  )
}

/** Pack with pnpm (applies publishConfig), return the tarball path and its unpacked directory. */
export function pack(dir, destination) {
  const out = execFileSync('pnpm', ['pack', '--pack-destination', destination], {
    cwd: dir,
    encoding: 'utf8',
  })
  const tarball = out.trim().split('\n').pop().trim()
  const unpacked = mkdtempSync(join(destination, 'unpacked-'))
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked])
  return { tarball, unpacked: join(unpacked, 'package') }
}

function listFiles(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  )
}

function checkPackage(dir, work) {
  const source = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const name = source.name
  const { tarball, unpacked } = pack(dir, work)
  const packedText = readFileSync(join(unpacked, 'package.json'), 'utf8')
  const packed = JSON.parse(packedText)

  if (packedText.includes('@rc/source')) fail(name, 'the published package.json still names @rc/source')
  if (JSON.stringify(packed.exports) !== JSON.stringify(withoutSource(source.exports))) {
    fail(name, 'publishConfig.exports is not the workspace exports map minus @rc/source')
  }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(packed[field] ?? {})) {
      if (String(range).startsWith('workspace:')) fail(name, `${field}.${dep} is still ${range}`)
      if (dep === '@rc/internal') fail(name, `${field} names the private @rc/internal (it must be bundled)`)
    }
  }

  const files = listFiles(unpacked)
  const stray = files.filter((f) => !/^(package\.json|README\.md|LICENSE.*|dist\/.+)$/.test(f))
  if (stray.length) fail(name, `the tarball holds more than dist: ${stray.join(', ')}`)
  const metafiles = files.filter((f) => f.includes('metafile'))
  if (metafiles.length) fail(name, `the tarball holds build metadata: ${metafiles.join(', ')}`)

  const built = new Set()
  for (const format of ['esm', 'cjs']) {
    const meta = JSON.parse(readFileSync(join(dir, 'dist', `metafile-${format}.json`), 'utf8'))
    for (const [output, info] of Object.entries(meta.outputs)) if (info.entryPoint) built.add(`./${output}`)
  }
  const exported = new Set(targets(packed.exports).filter((t) => /\.c?js$/.test(t) && t !== './package.json'))
  for (const entry of built) if (!exported.has(entry)) fail(name, `built entry ${entry} is not exported`)
  for (const target of exported) if (!built.has(target)) fail(name, `export ${target} is not a built entry`)
  const bins = Object.values(packed.bin ?? {})
  for (const target of [...targets(packed.exports), ...bins, packed.main, packed.module, packed.types]) {
    if (target && !files.includes(target.replace(/^\.\//, ''))) fail(name, `${target} is not in the tarball`)
  }

  const declared = new Set(
    ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((f) => Object.keys(packed[f] ?? {})),
  )
  const importPattern = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"'./][^"']*)["']/g
  for (const file of files.filter((f) => /\.(c?js|d\.c?ts)$/.test(f))) {
    for (const [, specifier] of readFileSync(join(unpacked, file), 'utf8').matchAll(importPattern)) {
      if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue
      const dep = specifier.startsWith('@')
        ? specifier.split('/').slice(0, 2).join('/')
        : specifier.split('/')[0]
      if (!declared.has(dep))
        fail(name, `${file} imports ${specifier}, which is neither a dependency nor a peer`)
    }
  }

  const run = (tool, args) => {
    try {
      execFileSync(bin(tool), args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
    } catch (error) {
      fail(name, `${tool} failed:\n${error.stdout}${error.stderr}`)
    }
  }
  run('publint', ['run', tarball, '--strict'])
  run('attw', [tarball, '--profile', 'node16', '--no-emoji', '--no-color'])
  console.log(`${name}: ${built.size} entries, ${files.length} files checked`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const work = mkdtempSync(join(tmpdir(), 'rc-pack-'))
  try {
    for (const dir of readdirSync(join(root, 'packages'))) {
      const path = join(root, 'packages', dir)
      if (!JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')).private) checkPackage(path, work)
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  if (failures) process.exit(1)
  console.log('every package ships exactly its exports')
}
