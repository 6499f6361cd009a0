/**
 * Runs tests/support/upstash-bridge.ts as a process of its own, so that in a race
 * the bridge (standing in for Upstash, a separate service) does not share an event
 * loop with the 1,000 requests the test itself sends. Prints one JSON line with the
 * bridge's url and token once it listens; exits on SIGTERM.
 *
 * Environment: BRIDGE_REDIS_URL (required).
 */
import { startUpstashBridge } from "../support/upstash-bridge";

const redisUrl = process.env.BRIDGE_REDIS_URL;
if (!redisUrl) throw new Error("BRIDGE_REDIS_URL is required");

const bridge = await startUpstashBridge({ redisUrl });
process.stdout.write(`${JSON.stringify({ url: bridge.url, token: bridge.token })}\n`);
process.once("SIGTERM", () => {
  void bridge.close().finally(() => process.exit(0));
});
