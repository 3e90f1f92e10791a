/**
 * The PostgreSQL server tests may use (CI sets FEDSWARM_TEST_DATABASE_URL);
 * PostgreSQL suites skip when it is unset or empty. A file of its own so the
 * db backends and the per-test schemas both read it without importing each
 * other.
 */
export const testDatabaseUrl = process.env.FEDSWARM_TEST_DATABASE_URL
