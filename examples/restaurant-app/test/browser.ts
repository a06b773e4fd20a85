import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import AxeBuilder from '@axe-core/playwright'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { expect } from 'vitest'

// Debian's Chromium, installed by scripts/services.sh (.ci/run and `pnpm test` call it).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url))

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/services.sh (apt-get install chromium).`)
  await mkdir(OUTPUT, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  })
}

/** Logs in through the login form (as a person does) and waits to land on `lands` (default /app). */
export async function logIn(page: Page, base: string, email: string, password: string, lands = '/app') {
  await page.goto(`${base}/login`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await Promise.all([
    page.waitForURL(`${base}${lands}`),
    page.getByRole('button', { name: 'Log in' }).click(),
  ])
}

/**
 * axe-core's WCAG 2.1 A/AA rules on the page as it is now: no serious or critical violation.
 * Returns every violation's id (minor and moderate ones are reported, not failed).
 */
export async function checkAccessibility(page: Page, label: string): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze()
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(
    bad.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    ),
    `${label}: ${page.url()}`,
  ).toEqual([])
  return result.violations.map((v) => v.id)
}

/** A screenshot under test-output/ (the CI artifact), named after the page. */
export async function shoot(page: Page, name: string) {
  await page.screenshot({ path: `${OUTPUT}${name}.png`, fullPage: true })
}

/** Every form that writes (the logout form aside) and every Edit link: what a viewer must not see. */
export async function editControls(page: Page): Promise<number> {
  return page.evaluate<number>(
    `document.querySelectorAll('form[data-api]:not(.logout), a[href*="/checklist/items/"], a[href$="/orders/new"]').length`,
  )
}

/** The document is no wider than the viewport: tables scroll inside their own region. */
export async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth + 1')
}

/** A request from inside the page, with its cookies, as a forged script would send it. */
export async function fetchFromPage(page: Page, method: string, url: string, body?: unknown) {
  return page.evaluate(
    async ({ method, url, body }) => {
      const response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return { status: response.status, body: await response.text() }
    },
    { method, url, body },
  )
}

export type { Browser, BrowserContext, Page }
