/**
 * Next.js start-up hook (Next 16 `instrumentation.ts`, `register()` runs once per server
 * process before it serves): starts the §9 event pipeline (lib/server/events/pipeline.ts).
 * Only in the Node.js runtime: the pipeline needs the store's TCP and timers.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startEventPipeline } = await import("./lib/server/events/pipeline");
  await startEventPipeline();
}
