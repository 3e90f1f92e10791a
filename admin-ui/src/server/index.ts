export { adminUiRoute, CONSOLE_CSP, type AdminUiOptions, type ConsoleRole } from './admin-ui-route.ts'
