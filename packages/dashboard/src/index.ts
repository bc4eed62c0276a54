/**
 * Sent's dashboard playground: one self-contained HTML page (inline CSS and vanilla JS, nothing fetched
 * from elsewhere) that talks to the JSON API with the API key the user pastes. The host serves it at `/`.
 */
import { readFileSync } from "node:fs"

/** The playground page, ready to serve as `text/html`. */
export const html: string = readFileSync(new URL("./playground.html", import.meta.url), "utf8")
