// The sign-in form: the token goes to session storage by the shell, never into the URL (the form is never submitted).

import { ApiError } from './api.ts'
import { h } from './dom.ts'

export interface SignInOptions {
  /** Why the admin is asked again (a refused token), shown above the form. */
  message?: string
  /** Resolves once the token is proven; a rejection's message is shown. */
  submit (token: string): Promise<void>
}

export function signInForm (options: SignInOptions): HTMLElement {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true })
  const message = h('p', { id: 'sign-in-message', class: 'notice', role: 'alert', hidden: options.message === undefined }, options.message)
  const button = h('button', { type: 'submit' }, 'Sign in')
  const form = h('form', { class: 'sign-in', novalidate: true },
    h('h2', {}, 'Sign in'),
    h('p', { class: 'hint' }, 'The admin token: FEDSWARM_ADMIN_TOKEN, or the admin-token file in the data folder. It is kept in this tab only, until it closes.'),
    h('label', { for: 'token' }, 'Admin token'), input, button, message)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const token = input.value.trim()
    if (token === '') {
      show('Enter the admin token.')
      return
    }
    button.disabled = true
    options.submit(token).catch((error: unknown) => {
      button.disabled = false
      if (error instanceof ApiError && error.status === 403) show('That admin token is wrong: the server refused it (403).')
      else if (error instanceof ApiError) show(`${error.message} (${error.status})`)
      else show(`The server could not be reached: ${error instanceof Error ? error.message : String(error)}`)
    })
  })
  function show (text: string): void {
    message.textContent = text
    message.hidden = false
  }
  queueMicrotask(() => input.focus())
  return form
}
