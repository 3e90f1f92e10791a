// The frame both roles' consoles share: sign-in, navigation between pages by the URL's fragment, sign-out.

import { ApiError, createApi, type Api } from './api.ts'
import { fill, h } from './dom.ts'
import { session } from './session.ts'
import { signInForm } from './sign-in.ts'

export interface PageContext {
  api: Api
  /** Shows a failure of this page's calls above its content (a refused token signs out instead). */
  report (error: unknown): void
}

/** One page of a console: it draws into `main` and returns what stops it (timers, pending work). */
export interface ConsolePage {
  id: string
  title: string
  show (main: HTMLElement, context: PageContext): () => void
}

export interface ConsoleOptions {
  /** "Fedswarm origin", "Fedswarm seeder". */
  title: string
  pages: ConsolePage[]
  /** An admin call that proves the token before the first page shows. */
  check (api: Api): Promise<unknown>
}

export function startConsole (options: ConsoleOptions): void {
  const root = document.getElementById('console')
  if (root === null) throw new Error('the page has no #console element')
  let stopPage: (() => void) | undefined
  const api = createApi((error) => { signedOut(refusalMessage(error)) })

  function signedOut (message?: string): void {
    stopPage?.()
    stopPage = undefined
    session.signOut()
    fill(root!, h('header', { class: 'bar' }, h('h1', {}, options.title)), signInForm({
      message,
      async submit (token) {
        session.signIn(token)
        try {
          await options.check(api)
        } catch (error) {
          session.signOut()
          throw error
        }
        signedIn()
      }
    }))
  }

  function signedIn (): void {
    const nav = h('nav', { 'aria-label': 'pages' })
    const main = h('main', { id: 'page' })
    const notice = h('p', { class: 'notice', role: 'alert', hidden: true })
    fill(root!,
      h('header', { class: 'bar' }, h('h1', {}, options.title), nav, h('button', { type: 'button', class: 'quiet', onclick: () => signedOut() }, 'Sign out')),
      notice, main)

    const show = (): void => {
      const page = options.pages.find((p) => `#${p.id}` === location.hash) ?? options.pages[0]!
      fill(nav, ...options.pages.map((p) => h('a', { href: `#${p.id}`, 'aria-current': p === page ? 'page' : undefined }, p.title)))
      stopPage?.()
      notice.hidden = true
      fill(main)
      document.title = `${page.title} · ${options.title}`
      stopPage = page.show(main, {
        api,
        report (error) {
          if (error instanceof ApiError && error.isAuth) return
          notice.textContent = error instanceof Error ? error.message : String(error)
          notice.hidden = false
        }
      })
    }
    window.onhashchange = show
    show()
  }

  if (session.token() === null) signedOut()
  else options.check(api).then(signedIn, (error: unknown) => { if (!(error instanceof ApiError && error.isAuth)) signedOut(messageOf(error)) })
}

function refusalMessage (error: ApiError): string {
  return error.status === 403
    ? 'That admin token is wrong: the server refused it (403). Check the token and sign in again.'
    : 'The server asks for the admin token (401). Sign in with it.'
}

export function messageOf (error: unknown): string {
  if (error instanceof ApiError) return error.isAuth ? refusalMessage(error) : `${error.message} (${error.status})`
  return `The server could not be reached: ${error instanceof Error ? error.message : String(error)}`
}
