import { startRedis } from '@rc/test-services'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { luaScript, runScript } from '../src/redis-script'

// A Redis of its own: SCRIPT FLUSH on the shared one would touch every other test's scripts.
let server: Awaited<ReturnType<typeof startRedis>>
let client: Redis
beforeAll(async () => {
  server = await startRedis()
  client = new Redis(server.url)
  await client.ping()
})
afterAll(async () => {
  client.disconnect()
  await server.destroy()
})

const echo = luaScript("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}")

it('sends EVALSHA once the script is cached, and the source again after Redis lost it', async () => {
  const sent: string[] = []
  const original = client.sendCommand.bind(client)
  client.sendCommand = ((command: { name: string }) => {
    if (command.name.startsWith('eval')) sent.push(command.name)
    return original(command as never)
  }) as typeof client.sendCommand

  expect(await runScript(client, echo, ['n'], ['a'])).toEqual(['n', 'a', 1])
  expect(sent).toEqual(['evalsha', 'eval'])
  sent.length = 0
  expect(await runScript(client, echo, ['n'], ['b'])).toEqual(['n', 'b', 2])
  expect(sent).toEqual(['evalsha'])

  await server.cli('SCRIPT', 'FLUSH')
  sent.length = 0
  expect(await runScript(client, echo, ['n'], ['c'])).toEqual(['n', 'c', 3])
  expect(sent).toEqual(['evalsha', 'eval'])
})

it('passes other errors through', async () => {
  const broken = luaScript("return redis.call('NOSUCHCOMMAND')")
  await expect(runScript(client, broken, [], [])).rejects.toThrow(/Unknown Redis command|unknown command/i)
})
