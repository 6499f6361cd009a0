/**
 * Runs the test Upstash bridge (tests/support/upstash-bridge.ts) in a process of its own,
 * so its CPU shows up apart from the load generator's. Env REDIS_URL, BRIDGE_TOKEN;
 * prints one line `listening <port>` when ready.
 */
import { startUpstashBridge } from "@/tests/support/upstash-bridge";

const bridge = await startUpstashBridge({ redisUrl: String(process.env.REDIS_URL), token: process.env.BRIDGE_TOKEN });
console.log(`listening ${bridge.port}`);
process.on("SIGTERM", () => {
  bridge.close().finally(() => process.exit(0));
});
