// A release tried before it is needed, outside the workspace, as a user installs it:
// 1. `changeset version` on a throwaway copy of the repository (the versions a release would publish);
// 2. `pnpm pack` of each published package there;
// 3. a fresh npm project outside the workspace installs the tarballs and exactly the peers they
//    declare (so an undeclared import fails), plus typescript and the @types a user would add;
// 4. every subpath is imported as ESM and required as CommonJS, and each package README's first
//    snippet (with a small prelude declaring what it takes from the reader's app) type-checks with
//    tsc under `node16` and under `bundler` resolution.
// Run after `pnpm build`. Fails when an export, a type or a peer dependency is wrong.
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { pack } from './check-packages.mjs'

const root = resolve(import.meta.dirname, '..')
const here = join(root, 'scripts', 'release-rehearsal')
const work = mkdtempSync(join(tmpdir(), 'rc-release-'))
const keep = process.argv.includes('--keep')
const run = (cmd, args, cwd, extra = {}) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...extra })
const step = (text) => console.log(`release rehearsal: ${text}`)

function fail(message, error) {
  console.error(`release rehearsal failed: ${message}`)
  if (error)
    console.error(`${error.stdout ?? ''}${error.stderr ?? ''}${error.stdout || error.stderr ? '' : error}`)
  if (!keep) rmSync(work, { recursive: true, force: true })
  else console.error(`kept ${work}`)
  process.exit(1)
}

const published = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => !pkg.private)
for (const { dir } of published) {
  if (!existsSync(join(root, 'packages', dir, 'dist')))
    fail(`packages/${dir}/dist is missing: run pnpm build first`)
}

// 1. A throwaway copy with the release's versions.
const copy = join(work, 'repo')
const skip = new Set(['node_modules', '.git', '.turbo', 'test-output', 'coverage'])
cpSync(root, copy, { recursive: true, filter: (src) => !skip.has(src.split('/').pop()) })
try {
  run(join(root, 'node_modules', '.bin', 'changeset'), ['version'], copy)
} catch (error) {
  fail('changeset version failed', error)
}
const versions = published.map(({ dir }) => {
  const pkg = JSON.parse(readFileSync(join(copy, 'packages', dir, 'package.json'), 'utf8'))
  return `${pkg.name}@${pkg.version}`
})
step(`changeset version gives ${versions.join(', ')}`)
try {
  // pnpm pack resolves workspace: ranges from the installed workspace; the store has every package.
  run('pnpm', ['install', '--frozen-lockfile', '--offline', '--ignore-scripts'], copy)
} catch (error) {
  fail('pnpm install in the copy failed', error)
}

// 2. Tarballs.
const tarballs = join(work, 'tarballs')
mkdirSync(tarballs)
const packed = published.map(({ dir }) => {
  const { tarball, unpacked } = pack(join(copy, 'packages', dir), tarballs)
  return { dir, tarball, manifest: JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) }
})

// 3. A user's project: the tarballs, the peers they declare, the tools and types a user adds.
const app = join(work, 'consumer')
mkdirSync(app)
const peers = {}
for (const { manifest } of packed) {
  for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
    if (peers[name] && peers[name] !== range) fail(`peer ${name} is declared as ${peers[name]} and ${range}`)
    peers[name] = range
  }
}
const devTypes = ['typescript@~5.9.3', '@types/node@^20.19.0', '@types/pg@^8.11.0']
writeFileSync(
  join(app, 'package.json'),
  `${JSON.stringify({ name: 'consumer', private: true, type: 'module' })}\n`,
)
try {
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...packed.map(({ tarball }) => tarball),
      ...Object.entries(peers).map(([name, range]) => `${name}@${range}`),
      ...devTypes,
    ],
    app,
  )
} catch (error) {
  fail('npm install of the tarballs and their declared peers failed', error)
}
step(`installed ${packed.length} tarballs with their declared peers (${Object.keys(peers).join(', ')})`)

// 4a. Every subpath, as ESM and as CommonJS.
const subpaths = packed.flatMap(({ manifest }) =>
  Object.keys(manifest.exports)
    .filter((s) => s !== './package.json')
    .map((s) => (s === '.' ? manifest.name : `${manifest.name}/${s.slice(2)}`)),
)
const esm = subpaths
  .map(
    (id, i) =>
      `const m${i} = await import(${JSON.stringify(id)})\n` +
      `if (Object.keys(m${i}).length === 0) throw new Error(${JSON.stringify(`${id} exports nothing`)})`,
  )
  .join('\n')
writeFileSync(join(app, 'import-all.mjs'), `${esm}\nconsole.log('esm ok')\n`)
const cjs = subpaths
  .map(
    (id) =>
      `if (Object.keys(require(${JSON.stringify(id)})).length === 0) throw new Error(${JSON.stringify(`${id} exports nothing`)})`,
  )
  .join('\n')
writeFileSync(join(app, 'require-all.cjs'), `${cjs}\nconsole.log('cjs ok')\n`)
for (const file of ['import-all.mjs', 'require-all.cjs']) {
  try {
    run(process.execPath, [file], app)
  } catch (error) {
    fail(`node ${file} failed`, error)
  }
}
step(`${subpaths.length} subpaths import as ESM and require as CommonJS`)

// 4b. README snippets under both resolutions.
const snippets = join(app, 'snippets')
mkdirSync(snippets)
for (const { dir } of packed) {
  const readme = readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8')
  const block = /```ts\n([\s\S]*?)```/.exec(readme)
  if (!block) fail(`packages/${dir}/README.md has no ts snippet`)
  const prelude = readFileSync(join(here, `${dir}.prelude.ts`), 'utf8')
  writeFileSync(join(snippets, `${dir}.ts`), `${prelude}\n${block[1]}\nexport {}\n`)
}
const compilerOptions = {
  target: 'ES2022',
  lib: ['ES2023'],
  strict: true,
  noEmit: true,
  types: ['node'],
  skipLibCheck: false,
}
const resolutions = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  bundler: { module: 'preserve', moduleResolution: 'bundler' },
}
// One program per snippet: each README stands alone (their module augmentations may differ).
for (const [name, resolution] of Object.entries(resolutions)) {
  for (const { dir } of packed) {
    const config = join(app, `tsconfig.${dir}.${name}.json`)
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: { ...compilerOptions, ...resolution },
        files: [`snippets/${dir}.ts`],
      }),
    )
    try {
      run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', config], app)
    } catch (error) {
      fail(`the README snippet of ${dir} does not type-check under ${name} resolution`, error)
    }
  }
}
step(`README snippets of ${packed.map(({ dir }) => dir).join(', ')} type-check under node16 and bundler`)

if (keep) step(`kept ${relative(process.cwd(), work) || work}`)
else rmSync(work, { recursive: true, force: true })
step('passed')
