// Date.now() costs as much as the rest of an l1 hit. This clock reads it at
// most every 32 calls and again after every event-loop turn, so expiry is
// judged with a time at most one turn (and 32 reads) old.
const READS_PER_REFRESH = 32
let cached = 0
let reads = READS_PER_REFRESH
let armed = false

const nextTurn = () => {
  armed = false
  reads = READS_PER_REFRESH
}

export function turnClock(): number {
  if (reads++ >= READS_PER_REFRESH) {
    cached = Date.now()
    reads = 0
    if (!armed) {
      armed = true
      setImmediate(nextTurn)
    }
  }
  return cached
}
