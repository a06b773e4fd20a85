// The scrubbing every Sentry event goes through (beforeSend), on an event built to leak: known fields
// dropped by name, then every string scanned for the secrets named and for secret shapes.
import { describe, expect, it } from 'vitest'
import { FILTERED, scrubEvent, scrubText, secretFieldsOf } from '../src/telemetry/scrub'

const posterToken = '100001:0123456789abcdef0123456789abcdef'
const session = 'Zm9vYmFyYmF6cXV4cXV1eC1zZXNzaW9uLXRva2VuLTQ0'
const password = 'correct horse battery staple'

const hostile = () => ({
  event_id: 'e1',
  message: `failed for ${posterToken} with ${password}`,
  request: {
    method: 'POST',
    url: `https://ops.example.com/onboarding/poster/callback?code=abc123def&state=s7`,
    headers: {
      authorization: `Bearer ${session}`,
      cookie: `rc_session=${session}; rc_device_1=signed`,
      'content-type': 'application/json',
      'x-forwarded-for': '203.0.113.9',
    },
    cookies: { rc_session: session },
    data: { email: 'a@b.c', password },
    query_string: 'code=abc123def',
    env: { REMOTE_ADDR: '203.0.113.9' },
  },
  user: { id: '7', email: 'a@b.c', ip_address: '203.0.113.9' },
  breadcrumbs: [{ message: `GET /x?token=${posterToken}` }],
  extra: { sessionToken: session, nested: { apiKey: 'k', note: `Bearer ${session}` } },
  contexts: { job: { token: posterToken, name: 'sync' }, trace: { trace_id: 'a'.repeat(32) } },
  exception: {
    values: [
      {
        type: 'Error',
        value: `postgres://owner:hunter22-secret@db/app refused; cookie rc_session=${session}`,
        stacktrace: { frames: [{ context_line: `const password = '${password}'` }] },
      },
    ],
  },
  tags: { restaurant: 'r0', poster_account: 'acct-r0' },
  sdkProcessingMetadata: { kept: true },
})

describe('scrubEvent', () => {
  it('drops cookies, headers but a few, body, query, breadcrumbs and all but the user id', () => {
    const out = scrubEvent(hostile(), [password])
    expect(out.request).toEqual({
      method: 'POST',
      url: 'https://ops.example.com/onboarding/poster/callback',
      headers: { 'content-type': 'application/json' },
    })
    expect(out.user).toEqual({ id: '7' })
    expect(out.breadcrumbs).toBeUndefined()
    expect(out.extra).toEqual({
      sessionToken: FILTERED,
      nested: { apiKey: FILTERED, note: `Bearer ${FILTERED}` },
    })
    expect(out.contexts.job).toEqual({ token: FILTERED, name: 'sync' })
    expect(out.contexts.trace.trace_id).toBe('a'.repeat(32))
    expect(out.tags).toEqual({ restaurant: 'r0', poster_account: 'acct-r0' })
    expect(out.sdkProcessingMetadata).toEqual({ kept: true })
  })

  it('leaves no secret in any string, named or found by its shape', () => {
    const text = JSON.stringify(scrubEvent(hostile(), [password]))
    for (const secret of [posterToken, session, password, 'hunter22-secret', 'abc123def'])
      expect(text.includes(secret), secret).toBe(false)
    expect(text).toContain('postgres://owner:[Filtered]@db/app')
  })

  it('does not change the event it was given', () => {
    const event = hostile()
    scrubEvent(event, [password])
    expect(event).toEqual(hostile())
  })
})

describe('scrubText and secretFieldsOf', () => {
  it('scans a long string quickly, every guard and shape in play', () => {
    const long = `${'ab://user: rc_x Bearer '.repeat(10_000)}postgres://user:${'p'.repeat(100)}@host ${'1:'.repeat(20_000)}`
    const started = performance.now()
    const out = scrubText(long, [password])
    // Generous bound (~10x what it takes on a loaded machine); a backtracking regex would take far longer.
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(out.includes('p'.repeat(100))).toBe(false)
  })

  it('ignores secrets too short to be told from ordinary words', () => {
    expect(scrubText('status ok', ['ok'])).toBe('status ok')
  })

  it("finds a body's credentials under their names, nested too, and OAuth's code and state", () => {
    expect(
      secretFieldsOf({
        email: 'a@b.c',
        password,
        profile: { newPassword: 'x2', name: 'n' },
        code: 'c',
        state: 's',
      }),
    ).toEqual([password, 'x2', 'c', 's'])
  })
})
