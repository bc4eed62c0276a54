/** Send requests for tests. */
import { Ids, PhoneNumber, type Provider } from "@sent/core"

/** A request to a US number with the given national number, on a channel. */
export const sendRequest = (
  nationalNumber: string,
  channel: Provider.SendRequest["channel"],
  overrides: Partial<Provider.SendRequest> = {}
): Provider.SendRequest => ({
  messageId: Ids.MessageId.make("0190a6a4-6a4b-7c6e-8a1f-3f2d4c5b6a79"),
  channel,
  to: PhoneNumber.E164.make(`+1${nationalNumber}`),
  nationalNumber,
  body: "Your code is 123456",
  template: { name: "verification_code", category: "AUTHENTICATION", parameters: ["123456"] },
  attempt: 1,
  ...overrides
})
