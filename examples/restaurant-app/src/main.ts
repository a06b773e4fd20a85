// The reference app lands with issue 6, once the four packages are in place.
console.log('[restaurant-app] The reference app arrives with a later change; for now run `npx pnpm@10 test`.')
