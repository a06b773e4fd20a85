import { constants, crc32, deflateRawSync } from 'node:zlib'

/** Text compressed once, ahead of time, as a non-final piece of a deflate stream. */
export interface Precompressed {
  raw: Buffer
  deflated: Buffer
}

// A sync flush ends the piece on a byte boundary without a final block: pieces compressed on their own
// can follow one another in one deflate stream (each refers only to its own bytes).
const PIECE = { finishFlush: constants.Z_SYNC_FLUSH }
// An empty final block with fixed Huffman codes: what zlib itself writes to end such a stream.
const END = Buffer.from([0x03, 0x00])
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff])

export function precompress(text: string): Precompressed {
  const raw = Buffer.from(text)
  return { raw, deflated: deflateRawSync(raw, PIECE) }
}

/**
 * A gzip body (RFC 1952) made of pieces, some compressed ahead of time: a page whose big part is the
 * same for everyone compresses only its small per-request parts. The CRC still covers every byte.
 */
export function gzipParts(parts: Array<string | Precompressed>): Buffer {
  const out: Buffer[] = [HEADER]
  let crc = 0
  let size = 0
  for (const part of parts) {
    const piece = typeof part === 'string' ? precompress(part) : part
    if (piece.raw.length === 0) continue
    out.push(piece.deflated)
    // Never for an empty buffer: zlib's crc32() given no data answers its initial value, 0.
    crc = crc32(piece.raw, crc)
    size += piece.raw.length
  }
  const trailer = Buffer.alloc(8)
  trailer.writeUInt32LE(crc >>> 0, 0)
  trailer.writeUInt32LE(size % 2 ** 32, 4)
  out.push(END, trailer)
  return Buffer.concat(out)
}

/** The request takes gzip (listed, and not with q=0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false
  return header.split(',').some((entry) => {
    const [name, ...params] = entry.trim().toLowerCase().split(';')
    if (name !== 'gzip' && name !== '*') return false
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return q === undefined || Number(q.slice(2)) > 0
  })
}
