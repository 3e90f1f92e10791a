// The origin's console at /admin.

import { startConsole } from './console-shell.ts'
import { deletionsPage } from './deletions-page.ts'
import { mediaPage } from './media-page.ts'
import { overviewPage } from './overview-page.ts'
import { seedersPage } from './seeders-page.ts'

startConsole({
  title: 'Fedswarm origin',
  pages: [overviewPage, mediaPage, seedersPage, deletionsPage],
  check: (api) => api.get('/api/instances')
})
