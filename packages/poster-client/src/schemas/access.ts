import { z } from 'zod'
import { listOf, num, text } from './coerce'

/** `access.getSpots` item with the storages of the spot. `spot_adress` is Poster's spelling. */
export const spotSchema = z.looseObject({
  spot_id: num,
  spot_name: z.string(),
  spot_adress: text.nullish(),
  storages: z
    .array(z.looseObject({ storage_id: num, storage_name: z.string(), storage_adress: text.nullish() }))
    .optional(),
})

export const spotsSchema = listOf(spotSchema)

export type PosterSpot = z.output<typeof spotSchema>
