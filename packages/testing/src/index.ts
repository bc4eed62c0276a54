/** Test support shared by the packages' suites. */
export * as Postgres from "./Postgres.js"
