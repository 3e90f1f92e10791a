// The seeder's console at /admin.

import { startConsole } from './console-shell.ts'
import { seederStatusPage } from './seeder-status-page.ts'

startConsole({
  title: 'Fedswarm seeder',
  pages: [seederStatusPage],
  check: (api) => api.get('/api/status')
})
