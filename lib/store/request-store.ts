/**
 * The RequestStore that belongs to a SecretStore: the same Redis, Cluster or Upstash
 * connection (its ScriptRunner and key prefix), or an in-process store beside the memory
 * secret store. One per SecretStore, so a process has one set of requests.
 */
import "server-only";
import { createMemoryRequestStore } from "./memory-request-store";
import { memoryEventLogOf } from "./memory-events";
import type { RequestStore } from "./request-types";
import { ScriptedRequestStore } from "./scripted-request-store";
import { ScriptedStore } from "./scripted-store";
import type { SecretStore } from "./types";

/** On globalThis: Next loads lib/store into several bundles (instrumentation.ts, each route). */
const holder = globalThis as typeof globalThis & { __burnlinkRequestStores?: WeakMap<SecretStore, RequestStore> };
const requestStores = (holder.__burnlinkRequestStores ??= new WeakMap<SecretStore, RequestStore>());

/** The request store sharing `store`'s backend; created on first use, then the same one. */
export function requestStoreFor(store: SecretStore): RequestStore {
  let requests = requestStores.get(store);
  if (!requests) {
    requests =
      store instanceof ScriptedStore
        ? new ScriptedRequestStore(store.kind, store.runner, store.keyPrefix)
        : createMemoryRequestStore({}, memoryEventLogOf(store));
    requestStores.set(store, requests);
  }
  return requests;
}
