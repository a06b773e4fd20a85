// Stands in for vitest in the CommonJS builds. vitest refuses require(), and its test files are ESM
// anyway, so a contract suite is only ever usable from the ESM build; this keeps the rest of a
// `testing` entry (the fake Poster server, say) requirable and says why a suite is not.
function esmOnly(): never {
  throw new Error(
    '[@rc] the contract suites (describe*) run under vitest, which cannot be loaded with require(): import this entry from an ESM test file.',
  )
}

export const describe = esmOnly
export const it = esmOnly
export const test = esmOnly
export const expect = esmOnly
export const beforeAll = esmOnly
export const afterAll = esmOnly
export const beforeEach = esmOnly
export const afterEach = esmOnly
