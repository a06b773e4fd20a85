import type { AppConfig } from '../config'

/** Where the Poster OAuth flow goes: Poster itself, or the fake Poster in embedded mode. */
export interface PosterOAuth {
  applicationId: string
  applicationSecret: string
  /** Base of Poster's authorize page (`https://joinposter.com`). */
  authorizeBaseUrl: string
  /** Base of the code exchange; undefined: the account's own `https://{account}.joinposter.com`. */
  exchangeBaseUrl: string | undefined
  /** `poster_base_url` of a restaurant connected this way: null for Poster's own per-account URL. */
  restaurantBaseUrl: string | null
}

/** From POSTER_APPLICATION_ID and friends; undefined (onboarding off) without an application id. */
export function posterOAuthFromConfig(config: AppConfig): PosterOAuth | undefined {
  if (!config.posterApplicationId) return undefined
  return {
    applicationId: config.posterApplicationId,
    applicationSecret: config.posterAppSecret,
    authorizeBaseUrl: config.posterAuthUrl,
    exchangeBaseUrl: config.posterBaseUrl,
    restaurantBaseUrl: null,
  }
}

/** The embedded demo's: everything at the fake Poster. */
export function posterOAuthOfFake(fake: {
  url: string
  application: { id: string; secret: string }
}): PosterOAuth {
  return {
    applicationId: fake.application.id,
    applicationSecret: fake.application.secret,
    authorizeBaseUrl: fake.url,
    exchangeBaseUrl: fake.url,
    restaurantBaseUrl: fake.url,
  }
}
