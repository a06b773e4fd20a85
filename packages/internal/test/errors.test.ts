import { describe, expect, it } from 'vitest'
import { RcError } from '../src/errors'

class ThingError extends RcError<'THING_BROKEN'> {
  override readonly name: string = 'ThingError'
  declare readonly key?: string
  constructor(message: string, options: { cause?: unknown; key?: string } = {}) {
    super('@rc/thing', 'THING_BROKEN', message, options)
  }
}

describe('RcError', () => {
  it('prefixes the package, keeps the code, the cause and the context fields given', () => {
    const cause = new Error('socket closed')
    const error = new ThingError('the store is down; try again.', { cause, key: 'k1' })
    expect(error).toBeInstanceOf(Error)
    expect(error.message).toBe('[@rc/thing] the store is down; try again.')
    expect(error.code).toBe('THING_BROKEN')
    expect(error.cause).toBe(cause)
    expect(error.key).toBe('k1')
    expect(error.name).toBe('ThingError')
  })

  it('sets no property for a context field that was not given', () => {
    const error = new ThingError('no key here')
    expect('key' in error).toBe(false)
    expect('cause' in error).toBe(false)
  })
})
