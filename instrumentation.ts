/**
 * Next.js runs register() once when a server process starts: here the background work of
 * issue 14 begins. For now that is the webhook delivery worker (lib/server/webhooks); the
 * events module adds its dispatcher and expiry sweep beside it.
 *
 * Only in the Node.js runtime (the worker needs sockets and the store). A configuration
 * error is left to the config check that start.mjs runs at start-up, which stops the
 * server with the message; the worker then simply does not start.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startProcessWebhookWorker } = await import("@/lib/server/webhooks");
  try {
    startProcessWebhookWorker();
  } catch (error) {
    if (!(error instanceof Error && error.name === "ConfigError")) throw error;
  }
}
