import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { acceptsGzip, gzipParts, precompress } from '../src/ui/gzip-parts'

// Checked with zlib's own gunzip (which verifies the CRC and length); the browser tests read such pages.
describe('gzipParts', () => {
  it('joins pieces compressed apart into one valid gzip body', () => {
    const big = `${'<tr><td>row</td></tr>'.repeat(20_000)}ünïcødé ✓`
    const body = gzipParts(['<html><body>', precompress(big), '</body></html>', precompress(''), ''])
    expect(gunzipSync(body).toString()).toBe(`<html><body>${big}</body></html>`)
    expect(body.length).toBeLessThan(big.length / 10)
  })

  it('is refused by gunzip when a byte of a piece changes (the CRC covers everything)', () => {
    const piece = precompress('abc'.repeat(1000))
    const body = gzipParts(['x', piece, 'y'])
    const at = body.length - 9
    body.writeUInt8(body.readUInt8(at) ^ 1, at)
    expect(() => gunzipSync(body)).toThrow()
  })

  it('reads Accept-Encoding', () => {
    expect(acceptsGzip('gzip, deflate, br')).toBe(true)
    expect(acceptsGzip('br;q=1, gzip;q=0.5')).toBe(true)
    expect(acceptsGzip('gzip;q=0')).toBe(false)
    expect(acceptsGzip('deflate')).toBe(false)
    expect(acceptsGzip(undefined)).toBe(false)
  })
})
