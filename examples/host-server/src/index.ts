/** The host server's parts that others reuse: starting it as a child process (tests) and its settings. */
export * as HostConfig from "./HostConfig.js"
export * as ServerProcess from "./ServerProcess.js"
