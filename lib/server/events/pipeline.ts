/**
 * Starts the event pipeline of this server process once (from instrumentation.ts): the
 * dispatcher over the process's store with the configured sinks, stopped on SIGTERM/SIGINT
 * so no round is cut in half by a clean shutdown (a cut one is redelivered anyway).
 */
import "server-only";
import { getStore } from "@/lib/store";
import { eventSourceFor } from "@/lib/store/event-source";
import { getServerConfig } from "../config";
import { EventDispatcher } from "./dispatcher";
import { configuredSinks } from "./sinks";

const holder = globalThis as typeof globalThis & { __burnlinkEventDispatcher?: Promise<EventDispatcher | undefined> };

export function startEventPipeline(): Promise<EventDispatcher | undefined> {
  holder.__burnlinkEventDispatcher ??= (async () => {
    const config = getServerConfig();
    const source = eventSourceFor(getStore());
    const sinks = await configuredSinks(source);
    const dispatcher = new EventDispatcher(source, sinks, { pollMs: config.eventPollMs, sweepMs: config.expirySweepSeconds * 1000 });
    dispatcher.start();
    const stop = () => void dispatcher.stop();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    return dispatcher;
  })().catch((error: unknown) => {
    // A bad config is reported by start.mjs's /api/config check; the server answers 500 there.
    console.error(`burnlink: the event pipeline did not start (${error instanceof Error ? error.message.split("\n")[0] : "error"})`);
    holder.__burnlinkEventDispatcher = undefined;
    return undefined;
  });
  return holder.__burnlinkEventDispatcher;
}

/** Stops this process's dispatcher (if it started) and waits for its round in flight. */
export async function stopEventPipeline(): Promise<void> {
  const dispatcher = await holder.__burnlinkEventDispatcher;
  await dispatcher?.stop();
}
