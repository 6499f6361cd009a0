/**
 * The outlets the dispatcher hands every §9 event to (issue 14 §1-3). Each one is an
 * EventSink (./types.ts) whose `deliver` resolves once the batch is durably handled; the
 * dispatcher acknowledges the outbox only after all of them resolved.
 *
 * The webhook sink (issue 14 §2, lib/server/webhooks) comes last: it only enqueues, and its
 * AUDIT_HASH_KEY is resolved at the first delivery, so a store that is down at start-up does
 * not keep the pipeline from starting.
 */
import "server-only";
import type { EventSource } from "@/lib/store/event-source";
import { processAuditSettings } from "../audit";
import { auditSink } from "./audit-sink";
import { auditHashKey } from "./hash-key";
import { metricsSink } from "./metrics-sink";
import { webhookSinkForProcess } from "../webhooks";
import type { EventSink } from "./types";

export async function configuredSinks(source: EventSource): Promise<EventSink[]> {
  const sinks: EventSink[] = [metricsSink()];
  const audit = await processAuditSettings();
  if (audit.enabled) sinks.push(auditSink(audit, () => auditHashKey(source)));
  let webhooks: EventSink | undefined;
  sinks.push({
    name: "webhooks",
    async deliver(events) {
      webhooks ??= webhookSinkForProcess(await auditHashKey(source));
      await webhooks?.deliver(events);
    },
  });
  return sinks;
}
