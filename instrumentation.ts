/**
 * Next.js start-up hook (Next 16 `instrumentation.ts`: `register()` runs once per server
 * process before it serves). Starts the background work of issue 14: the §9 event pipeline
 * (lib/server/events/pipeline.ts: outbox dispatcher and expiry sweep) and the webhook
 * delivery worker (lib/server/webhooks).
 *
 * Only in the Node.js runtime: both need the store's TCP and timers. A configuration error is
 * left to the config check that start.mjs runs at start-up, which stops the server with the
 * message; the worker then simply does not start.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startEventPipeline } = await import("./lib/server/events/pipeline");
  const { startProcessWebhookWorker } = await import("./lib/server/webhooks");
  try {
    startProcessWebhookWorker();
  } catch (error) {
    if (!(error instanceof Error && error.name === "ConfigError")) throw error;
  }
  await startEventPipeline();
}
