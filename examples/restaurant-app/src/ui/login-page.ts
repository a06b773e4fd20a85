import { html } from './html'
import { layout } from './layout'

/** A path on this site to go back to after logging in: never another origin (`//evil`, `/\evil`). */
export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\'))
    return undefined
  return next.length > 2000 ? undefined : next
}

export interface LoginPageOptions {
  next: string | undefined
  error: 'failed' | 'throttled' | 'busy' | undefined
  retryAfterS?: number | undefined
  /** Embedded demo: the logins to try. */
  demo?: { password: string; emails: string[] } | undefined
}

const ERRORS = {
  failed: 'Email or password is wrong.',
  throttled: 'Too many login attempts.',
  busy: 'The service is busy or partly unavailable.',
}

export function loginPage(options: LoginPageOptions): string {
  const { next, error, demo } = options
  const signup = next ? `/signup?next=${encodeURIComponent(next)}` : '/signup'
  return layout({
    title: 'Log in',
    body: html`${
      error &&
      html`<p class="banner error" role="alert" id="login-error">${ERRORS[error]}${
        options.retryAfterS
          ? ` Try again in ${options.retryAfterS} s.`
          : error === 'failed'
            ? ''
            : ' Try again in a few seconds.'
      }</p>`
    }
<form class="stack narrow" method="post" action="/api/auth/login">
  ${next && html`<input type="hidden" name="next" value="${next}">`}
  <label>Email <input name="email" type="email" autocomplete="username" required${error ? html` aria-describedby="login-error"` : ''}></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Log in</button>
</form>
<p>No account yet? <a href="${signup}">Sign up</a>, then connect your Poster account or open an invitation link.</p>
${
  demo &&
  html`<section class="card" aria-labelledby="demo-h"><h2 id="demo-h">Demo logins</h2>
<p>Password <code>${demo.password}</code> for each of: ${demo.emails.map((e, i) => html`${i > 0 ? ', ' : ''}<code>${e}</code>`)}.</p></section>`
}`,
  })
}
