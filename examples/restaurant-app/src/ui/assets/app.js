// The staff UI's one script. Pages are rendered by the server; this sends their forms to the JSON API
// (`<form data-api="PATCH /api/...">`), says what went wrong in the page's alert region, and follows a
// running sync over Server-Sent Events. Without it every page still reads; writes need it.
;(() => {
  const $ = (selector, root = document) => root.querySelector(selector)
  const NOTICE_KEY = 'rc-notice'

  function say(text) {
    const alert = $('#alert')
    if (alert) alert.replaceChildren()
    const notice = $('#notice')
    if (notice) notice.textContent = text
  }

  function showError(text, link) {
    const notice = $('#notice')
    if (notice) notice.textContent = ''
    const alert = $('#alert')
    if (!alert) return window.alert(text)
    alert.replaceChildren(document.createTextNode(text))
    if (link) {
      const a = document.createElement('a')
      a.href = link.href
      a.textContent = link.text
      alert.append(' ', a)
    }
    alert.scrollIntoView({ block: 'nearest' })
  }

  // `lines.0.quantity` -> { lines: [{ quantity }] }
  function setPath(target, path, value) {
    const keys = path.split('.')
    let node = target
    keys.forEach((key, i) => {
      if (i === keys.length - 1) node[key] = value
      else {
        node[key] ??= /^\d+$/.test(keys[i + 1]) ? [] : {}
        node = node[key]
      }
    })
  }

  function collect(form) {
    const body = {}
    for (const field of form.elements) {
      if (!field.name || field.disabled) continue
      if ((field.type === 'checkbox' || field.type === 'radio') && !field.checked) continue
      let value = field.value
      if (field.dataset.type === 'number') {
        if (value === '') continue
        value = Number(value)
      } else if (field.dataset.type === 'nullable-number') value = value === '' ? null : Number(value)
      else if (field.tagName === 'TEXTAREA' && value === '') continue
      setPath(body, field.name, value)
    }
    // data-drop="lines:quantity": leave out the lines whose quantity is empty or 0, and half-filled ones.
    const [list, key] = (form.dataset.drop ?? '').split(':')
    if (list && Array.isArray(body[list]))
      body[list] = body[list].filter(
        (entry) => entry && typeof entry[key] === 'number' && entry[key] > 0 && Object.keys(entry).length > 1,
      )
    return body
  }

  function explain(response, body) {
    const status = response.status
    const retry = Number(response.headers.get('retry-after')) || body.retryAfter
    const wait = retry ? ` Try again in ${retry} s.` : ' Try again in a moment.'
    if (status === 401) {
      location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`
      return
    }
    if (status === 403) return showError(`Not allowed: your role here cannot do this. ${body.message ?? ''}`)
    if (status === 429)
      return showError(`Plan limit reached: nothing was changed.${wait}`, {
        href: body.upgradeUrl ?? '/billing/upgrade',
        text: 'Plans and how to upgrade',
      })
    if (status === 503)
      return showError(
        `Part of the service is not answering, so nothing was changed.${wait} What this page shows may be out of date.`,
      )
    if (status === 400 && Array.isArray(body.fields))
      return showError(body.fields.map((f) => `${f.path.replace(/^body\./, '')}: ${f.message}`).join('; '))
    showError(body.message ?? `The server answered ${status}.`)
  }

  async function submit(form) {
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return
    const [method, url] = form.dataset.api.split(' ')
    const body = method === 'DELETE' ? undefined : JSON.stringify(collect(form))
    const buttons = form.querySelectorAll('button')
    for (const b of buttons) b.disabled = true
    form.setAttribute('aria-busy', 'true')
    let response
    try {
      response = await fetch(url, {
        method,
        credentials: 'same-origin',
        headers:
          body === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        body,
      })
    } catch {
      showError('The server did not answer: check the connection, then try again.')
    }
    for (const b of buttons) b.disabled = false
    form.removeAttribute('aria-busy')
    if (!response) return
    const data = response.status === 204 ? {} : await response.json().catch(() => ({}))
    if (!response.ok) return explain(response, data)
    const then = form.dataset.then
    // data-show="#id": the answer's url goes into that field, once (an invitation link), no reload.
    if (form.dataset.show) {
      const field = $(form.dataset.show)
      field.value = data.url
      field.closest('[hidden]')?.removeAttribute('hidden')
      field.focus()
      field.select()
      say('Invitation link created: copy it now, it is not shown again.')
      return
    }
    if (then === 'live') {
      const section = form.closest('[data-sync]')
      say('Sync started.')
      if (section) follow(section, data.jobId)
      return
    }
    sessionStorage.setItem(NOTICE_KEY, form.dataset.done ?? 'Saved.')
    if (then) location.href = then.replace('{id}', encodeURIComponent(data.id ?? ''))
    else location.reload()
  }

  function follow(section, jobId) {
    const base = section.dataset.live.split('?')[0]
    const url = jobId ? `${base}?job=${encodeURIComponent(jobId)}` : section.dataset.live
    const line = $('[data-sync-progress-line]', section)
    const progress = $('[data-sync-progress]', section)
    const percent = $('[data-sync-percent]', section)
    const status = $('[data-sync-status]', section)
    const last = $('[data-sync-last]', section)
    const button = $('form button', section)
    if (line) line.hidden = false
    if (button) button.disabled = true
    let finished = false
    const source = new EventSource(url)
    source.onmessage = (message) => {
      const event = JSON.parse(message.data)
      progress.value = event.progress
      progress.textContent = `${event.progress}%`
      percent.textContent = `${event.progress}%`
      status.textContent = event.statusText
      status.className = `status status-${event.status}`
      if (event.lastSyncAt) {
        const time = document.createElement('time')
        time.dateTime = event.lastSyncAt
        time.title = event.lastSyncTitle
        time.textContent = event.lastSyncText
        last.replaceChildren(time)
      }
      if (!event.done) return
      finished = true
      source.close()
      if (button) button.disabled = false
      if (event.status === 'ok') say('Sync finished.')
      else showError(`Sync failed: ${event.failedReason ?? event.lastError ?? event.status}.`)
    }
    source.onerror = () => {
      source.close()
      if (button) button.disabled = false
      if (!finished)
        showError(
          'Live progress stopped (the connection ended or the plan limit was reached). Reload the page to see the status.',
        )
    }
  }

  document.addEventListener('submit', (event) => {
    const form = event.target
    if (!(form instanceof HTMLFormElement) || !form.dataset.api) return
    event.preventDefault()
    void submit(form)
  })

  document.addEventListener('DOMContentLoaded', () => {
    const notice = sessionStorage.getItem(NOTICE_KEY)
    if (notice) {
      sessionStorage.removeItem(NOTICE_KEY)
      say(notice)
    }
    for (const section of document.querySelectorAll('[data-sync][data-start]')) follow(section)
    // A received order on its way to Poster: look again every few seconds, for a minute at most.
    if (
      document.querySelector(
        '[data-supply-state="pending"], [data-supply-state="sending"], [data-supply-state="unknown"]',
      )
    ) {
      const key = `rc-supply-wait:${location.pathname}`
      const waited = Number(sessionStorage.getItem(key) ?? 0)
      if (waited < 20) {
        sessionStorage.setItem(key, String(waited + 1))
        setTimeout(() => location.reload(), 3000)
      }
    }
  })
})()
