/** Sent's storage over `@effect/sql`: migrations and repositories for SQLite and PostgreSQL. */
export * as Dialect from "./Dialect.js"
export * as Migrations from "./Migrations.js"
export * as Postgres from "./Postgres.js"
export * as Signals from "./Signals.js"
export * as Sqlite from "./Sqlite.js"
export * as SqlStorage from "./SqlStorage.js"
