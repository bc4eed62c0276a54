/**
 * The body checks every request passes before routing: at most 1 MiB (`413`), and on the JSON API a
 * non-empty body must say it is JSON (`415`) and be JSON (`400`). The provider callbacks take their
 * bodies raw (signatures are over the exact bytes), so only the size applies to them.
 *
 * The body is read here once; the platform caches it, so the endpoint's own decoding reads it again
 * for free.
 */
import { FileSystem, HttpIncomingMessage, HttpMethod, HttpServerRequest, type HttpApp } from "@effect/platform"
import { Errors } from "@sent/core"
import { Effect, Option } from "effect"
import { PayloadTooLarge, UnsupportedMediaType } from "./ErrorEnvelope.js"

/** The largest body accepted, in bytes. */
export const maxBytes = 1024 * 1024

const tooLarge = new PayloadTooLarge({ message: `The request body is over ${maxBytes} bytes (1 MiB)`, maxBytes })

const rawBodyPrefix = "/providers/"

const isJson = (contentType: string | undefined) =>
  contentType !== undefined && contentType.toLowerCase().includes("application/json")

const exceeded = (error: { readonly cause?: unknown }) =>
  error.cause instanceof Error && error.cause.message === "maxBytes exceeded"

const unreadable = new Errors.ValidationFailed({
  message: "The request body could not be read",
  details: [{ field: "body", message: "could not be read" }]
})

const checkJson = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.flatMap(
    Effect.mapError(request.text, (error): PayloadTooLarge | Errors.ValidationFailed => (exceeded(error) ? tooLarge : unreadable)),
    (text): Effect.Effect<void, UnsupportedMediaType | Errors.ValidationFailed> => {
      if (text.length === 0) return Effect.void
      const contentType = request.headers["content-type"]
      if (!isJson(contentType)) {
        return Effect.fail(
          new UnsupportedMediaType({
            message: "Send the body as JSON with content-type: application/json",
            ...(contentType === undefined ? {} : { contentType: contentType.slice(0, 200) })
          })
        )
      }
      try {
        JSON.parse(text)
        return Effect.void
      } catch (error) {
        return Effect.fail(
          new Errors.ValidationFailed({
            message: "The request body is not valid JSON",
            details: [{ field: "body", message: error instanceof Error ? error.message.slice(0, 200) : "is not JSON" }]
          })
        )
      }
    }
  )

/** Applies the body checks in front of an app, and caps every body read behind it at `maxBytes`. */
export const guard = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E | PayloadTooLarge | UnsupportedMediaType | Errors.ValidationFailed, R> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (!HttpMethod.hasBody(request.method)) return app
    const length = request.headers["content-length"]
    if (length !== undefined && Number(length) > maxBytes) return Effect.fail(tooLarge)
    const checked = request.url.startsWith(rawBodyPrefix) ? app : Effect.zipRight(checkJson(request), app)
    return Effect.provideService(checked, HttpIncomingMessage.MaxBodySize, Option.some(FileSystem.Size(maxBytes)))
  })
