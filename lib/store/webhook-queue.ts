/**
 * The webhook queue that belongs to a SecretStore (see ./webhook-types.ts for what every
 * driver guarantees): the same Redis, Cluster or Upstash connection, or one in process
 * beside the memory store. One per SecretStore, so a process has one queue.
 */
import "server-only";
import { ScriptedStore } from "./scripted-store";
import type { SecretStore } from "./types";
import { MemoryWebhookQueue } from "./webhook-memory-queue";
import { ScriptedWebhookQueue } from "./webhook-scripted-queue";
import type { WebhookQueue } from "./webhook-types";

export * from "./webhook-types";

const queues = new WeakMap<SecretStore, WebhookQueue>();

/** The webhook queue sharing `store`'s backend; created on first use, then the same one. */
export function webhookQueueFor(store: SecretStore): WebhookQueue {
  let queue = queues.get(store);
  if (!queue) {
    queue = store instanceof ScriptedStore ? new ScriptedWebhookQueue(store.runner, store.keyPrefix) : new MemoryWebhookQueue();
    queues.set(store, queue);
  }
  return queue;
}
