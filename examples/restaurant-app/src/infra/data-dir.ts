import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Another process already serves from this data directory. */
export class DataDirBusyError extends Error {
  override name = 'DataDirBusyError'
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Claims the embedded data directory for this process (creating it): PGlite is one session on its
 * files, and a second app writing them would corrupt them. A lock left by a process that died is taken over.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'app.pid')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' })
      return () => rmSync(file, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const pid = Number(readFileSync(file, 'utf8'))
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))
        throw new DataDirBusyError(
          `Another app (pid ${pid}) is using DATA_DIR ${dir}: stop it, or set DATA_DIR to another directory.`,
        )
      rmSync(file, { force: true })
    }
  }
  throw new DataDirBusyError(`Could not lock DATA_DIR ${dir}.`)
}
