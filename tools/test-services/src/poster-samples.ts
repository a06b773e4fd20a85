import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

// Poster's documented example answers live outside the repository, beside it on the machine
// (`<somewhere>/shared/poster-samples`); a clone elsewhere on the same machine finds them through
// the fallback path. An override wins over both.
const ENV = 'POSTER_SAMPLES_DIR'
const MACHINE_DIR = '/work/shared/poster-samples'

/** Where the samples were looked for, in order. */
function candidates(): string[] {
  const found: string[] = []
  if (process.env[ENV]) found.push(resolve(process.env[ENV]))
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    found.push(join(dir, 'shared', 'poster-samples'))
    if (dirname(dir) === dir) break
  }
  found.push(MACHINE_DIR)
  return found
}

let cached: string | undefined

/**
 * The directory of Poster's documented example answers (`SOURCES.md` names each docs page). Throws,
 * naming every place it looked, when there is none: a test that needs the ground truth must not pass
 * without it.
 */
export function posterSamplesDir(): string {
  if (cached) return cached
  const tried = candidates()
  const dir = tried.find((d) => existsSync(join(d, 'SOURCES.md')))
  if (!dir) {
    throw new Error(`Poster samples not found; set ${ENV} or place them at one of:\n  ${tried.join('\n  ')}`)
  }
  cached = dir
  return dir
}

/** One sample as its exact bytes (to serve verbatim) and parsed. */
export interface PosterSample {
  name: string
  text: string
  json: unknown
}

export function readPosterSample(name: string): PosterSample {
  const file = name.endsWith('.json') ? name : `${name}.json`
  const text = readFileSync(join(posterSamplesDir(), file), 'utf8')
  return { name: file.replace(/\.json$/, ''), text, json: JSON.parse(text) }
}

/** Every sample file, by name without `.json` (e.g. `storage.getSupplies`). */
export function posterSampleNames(): string[] {
  return readdirSync(posterSamplesDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort()
}
