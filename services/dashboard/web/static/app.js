// The dashboard works without JavaScript; this only enhances it: GOV.UK Frontend's components
// (tabs, error summary focus, the file upload), and following a pending submission without the
// "Check again" button.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

const pending = document.querySelector('[data-submission-pending]')
if (pending) {
  const follow = async () => {
    const resp = await fetch(window.location.href, { headers: { Accept: 'text/html' }, credentials: 'same-origin' })
    if (!resp.ok) return
    const doc = new DOMParser().parseFromString(await resp.text(), 'text/html')
    const next = doc.querySelector('#submission-status')
    const here = document.querySelector('#submission-status')
    if (next && here) here.replaceWith(next)
    if (doc.querySelector('[data-submission-pending]')) {
      setTimeout(follow, 1000)
    } else {
      document.querySelector('#submission-status h2')?.focus()
    }
  }
  setTimeout(follow, 1000)
}
