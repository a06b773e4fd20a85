// What the README's quick start takes from the reader's app.
import type { Redis } from 'ioredis'

declare const redis: Redis
declare const restaurantId: string
declare const db: { suppliers(id: string): Promise<{ id: number; name: string }[]> }
