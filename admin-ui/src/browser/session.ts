// The admin token lives in this tab's session storage only: never in a cookie or a URL, gone with the tab.

const KEY = 'fedswarm.adminToken'

export const session = {
  token: (): string | null => sessionStorage.getItem(KEY),
  signIn: (token: string): void => { sessionStorage.setItem(KEY, token) },
  signOut: (): void => { sessionStorage.removeItem(KEY) }
}
