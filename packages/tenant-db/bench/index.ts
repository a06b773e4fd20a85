import { benchAdapters } from './adapters'
import { benchOverhead } from './overhead'
import { benchRlsVsWhere } from './rls-vs-where'
import { benchDatabase } from './setup'

const ms = (v: number) => `${v.toFixed(3)} ms`

async function main() {
  const small = await benchDatabase('tenant_bench')
  try {
    const rows = await benchOverhead(small)
    console.log('\n## db.query / withTenant + 1 query vs raw pooled client\n')
    console.log('| task | concurrency | p50 | p99 | throughput | vs raw | round trips |')
    console.log('|---|---|---|---|---|---|---|')
    for (const r of rows) {
      const raw = rows.find((x) => x.concurrency === r.concurrency && x.name.startsWith('raw'))!
      const ratio = (r.opsPerSec / raw.opsPerSec).toFixed(2)
      console.log(
        `| ${r.name} | ${r.concurrency} | ${ms(r.p50)} | ${ms(r.p99)} | ${Math.round(r.opsPerSec)} ops/s | ${ratio}x | ${r.roundTrips} |`,
      )
    }
    console.log('\ntarget: db.query >= 0.5x raw throughput at 16 concurrent clients, default pool')

    const adapters = await benchAdapters(small)
    console.log("\n## ORM adapters: withTenant + 1 query vs the same library's own transaction + 1 query\n")
    console.log('| task | concurrency | p50 | throughput | time vs own transaction |')
    console.log('|---|---|---|---|---|')
    for (const r of adapters) {
      const own = adapters.find((x) => x.concurrency === r.concurrency && x.name.startsWith(r.baseline))!
      const ratio = (own.opsPerSec / r.opsPerSec).toFixed(3)
      console.log(
        `| ${r.name} | ${r.concurrency} | ${ms(r.p50)} | ${Math.round(r.opsPerSec)} ops/s | ${ratio}x |`,
      )
    }
    console.log('\ntarget: <= 1.1x at 1 and 16 clients')
  } finally {
    await small.destroy()
  }

  const big = await benchDatabase('tenant_bench_1m')
  try {
    const rows = await benchRlsVsWhere(big)
    console.log('\n## RLS-filtered vs explicit WHERE, 1,000,000 rows / 1,000 tenants\n')
    console.log('| task | p50 | p99 | mean |')
    console.log('|---|---|---|---|')
    for (const r of rows) console.log(`| ${r.name} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.mean)} |`)
    const [rls, where] = rows
    console.log(
      `\nRLS / explicit: p50 ${(rls!.p50 / where!.p50).toFixed(3)}x, mean ${(rls!.mean / where!.mean).toFixed(3)}x (target <= 1.1x)`,
    )
    for (const r of rows) console.log(`\nplan, ${r.name}:\n${r.plan}`)
    const usesIndex = rows.every((r) => /Index|Bitmap/.test(r.plan))
    console.log(`\nboth plans use the tenant index: ${usesIndex}`)
    if (!usesIndex) process.exitCode = 1
  } finally {
    await big.destroy()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
