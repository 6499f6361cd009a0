/**
 * The metrics outlet of the §9 events (issue 14 §4): what only the event pipeline sees. An
 * expiry happens without a request, so `burnlink_secrets_ended_total{reason="expired"}` is
 * counted here, by the instance that delivered the event; every other counter is counted by
 * the route that answered. Delivery is at least once: after a crash between delivery and
 * acknowledgement an expiry may count twice.
 */
import "server-only";
import { recordSecretEnded } from "../metrics";
import type { EventSink } from "./types";

export function metricsSink(): EventSink {
  return {
    name: "metrics",
    async deliver(events) {
      for (const event of events) if (event.type === "secret.expired") recordSecretEnded("expired");
    },
  };
}
