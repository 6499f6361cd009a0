/**
 * Next.js start-up hook (Next 16 `instrumentation.ts`: `register()` runs once per server
 * process before it serves). Starts the background work of issue 14: the §9 event pipeline
 * (lib/server/events/pipeline.ts: outbox dispatcher and expiry sweep) and the webhook
 * delivery worker (lib/server/webhooks).
 *
 * Only in the Node.js runtime: both need the store's TCP and timers. A configuration error is
 * left to the config check that start.mjs runs at start-up, which stops the server with the
 * message; the worker then simply does not start.
 *
 * Shutdown: both loops are stopped together by `globalThis.__burnlinkStopBackground`, which
 * lib/server/start.mjs awaits after the last request finished and before it exits (a global,
 * not an export: start.mjs and this bundle share no module graph). Stopping waits for the
 * round and the deliveries in flight, so a webhook being sent at SIGTERM is recorded as done
 * instead of being cut and sent again after the queue's visibility timeout. Without
 * start.mjs (plain `next start`) the pipeline's own SIGTERM handler still stops the dispatcher.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startEventPipeline, stopEventPipeline } = await import("./lib/server/events/pipeline");
  const { startProcessWebhookWorker, stopProcessWebhookWorker } = await import("./lib/server/webhooks");
  try {
    startProcessWebhookWorker();
  } catch (error) {
    if (!(error instanceof Error && error.name === "ConfigError")) throw error;
  }
  await startEventPipeline();
  const holder = globalThis as typeof globalThis & { __burnlinkStopBackground?: () => Promise<void> };
  let stopping: Promise<void> | undefined;
  holder.__burnlinkStopBackground = () => {
    // Together: a job the dispatcher's last round enqueues stays in the store's queue for the next instance.
    stopping ??= Promise.all([stopEventPipeline(), stopProcessWebhookWorker()]).then(() => undefined);
    return stopping;
  };
}
