/**
 * The outlets the dispatcher hands every §9 event to (issue 14 §1-3). Each one is an
 * EventSink (./types.ts) whose `deliver` resolves once the batch is durably handled; the
 * dispatcher acknowledges the outbox only after all of them resolved.
 *
 * The webhook sink (issue 14 §2, built in lib/server/webhooks) plugs in here: add its
 * factory to the list below, after the audit sink.
 */
import "server-only";
import type { EventSource } from "@/lib/store/event-source";
import { processAuditSettings } from "../audit";
import { auditSink } from "./audit-sink";
import { auditHashKey } from "./hash-key";
import { metricsSink } from "./metrics-sink";
import type { EventSink } from "./types";

export async function configuredSinks(source: EventSource): Promise<EventSink[]> {
  const sinks: EventSink[] = [metricsSink()];
  const audit = await processAuditSettings();
  if (audit.enabled) sinks.push(auditSink(audit, () => auditHashKey(source)));
  // Webhooks (issue 14 §2): sinks.push(await webhookSink(source)) once lib/server/webhooks lands.
  return sinks;
}
