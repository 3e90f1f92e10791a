// Asks for the reason a deletion or restore needs (it goes into the signed notice or the log), then runs it.

import { h } from './dom.ts'

export interface ReasonRequest {
  title: string
  confirm: string
  /** Runs with the reason; a rejection's message is shown in the dialog and it stays open. */
  run (reason: string): Promise<void>
}

export function askReason (request: ReasonRequest): void {
  const input = h('input', { id: 'reason', name: 'reason', type: 'text', maxlength: 1000, required: true, autocomplete: 'off' })
  const message = h('p', { class: 'notice', role: 'alert', hidden: true })
  const confirm = h('button', { type: 'submit', class: 'danger' }, request.confirm)
  const dialog = h('dialog', { 'aria-labelledby': 'reason-title' })
  const form = h('form', { method: 'dialog' },
    h('h3', { id: 'reason-title' }, request.title),
    h('label', { for: 'reason' }, 'Reason'), input, message,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'quiet', onclick: () => dialog.close() }, 'Cancel'), confirm))
  dialog.append(form)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const reason = input.value.trim()
    if (reason === '') {
      message.textContent = 'Give a reason (1 to 1000 characters).'
      message.hidden = false
      return
    }
    confirm.disabled = true
    request.run(reason).then(() => dialog.close(), (error: unknown) => {
      confirm.disabled = false
      message.textContent = error instanceof Error ? error.message : String(error)
      message.hidden = false
    })
  })
  dialog.addEventListener('close', () => dialog.remove())
  document.body.append(dialog)
  dialog.showModal()
}
