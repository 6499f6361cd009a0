/**
 * The webhook queue that belongs to a SecretStore (see ./webhook-types.ts for what every
 * driver guarantees): the same Redis, Cluster or Upstash connection, or one in process
 * beside the memory store. One per SecretStore, so a process has one queue.
 */
import "server-only";
import type { ScriptRunner } from "./scripted-store";
import type { SecretStore } from "./types";
import { MemoryWebhookQueue } from "./webhook-memory-queue";
import { ScriptedWebhookQueue } from "./webhook-scripted-queue";
import type { WebhookQueue } from "./webhook-types";

export * from "./webhook-types";

// On globalThis, and no `instanceof ScriptedStore`: Next's bundles (instrumentation.ts, where
// the sink and the worker run, and the route handlers) each load their own copy of this
// module and of the store classes, but share getStore()'s one store. A module-level map
// would give each bundle its own memory queue, and `instanceof` fails on a store made by
// another bundle's class (it would have handed a Redis store an in-process queue).
const holder = globalThis as typeof globalThis & { __burnlinkWebhookQueues?: WeakMap<SecretStore, WebhookQueue> };
const queues = (holder.__burnlinkWebhookQueues ??= new WeakMap<SecretStore, WebhookQueue>());

/** The webhook queue sharing `store`'s backend; created on first use, then the same one. */
export function webhookQueueFor(store: SecretStore): WebhookQueue {
  let queue = queues.get(store);
  if (!queue) {
    const scripted = store as SecretStore & { runner?: ScriptRunner; keyPrefix?: string };
    queue = scripted.runner && scripted.keyPrefix !== undefined ? new ScriptedWebhookQueue(scripted.runner, scripted.keyPrefix) : new MemoryWebhookQueue();
    queues.set(store, queue);
  }
  return queue;
}
