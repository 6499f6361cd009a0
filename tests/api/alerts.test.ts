/**
 * The alert rules shipped in lib/server/alerts (issue 14 §4), proven with Debian's
 * promtool: the rules load, each alert fires on a synthetic series that crosses its
 * threshold and stays quiet below it (burnlink.rules.test.yml), and every metric a rule
 * reads is one the server really exposes, so a renamed metric cannot silently disarm one.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { getMetrics } from "@/lib/server/metrics";

const ALERTS_DIR = path.resolve(__dirname, "../../lib/server/alerts");
const RULES = readFileSync(path.join(ALERTS_DIR, "burnlink.rules.yml"), "utf8");
const RULE_TESTS = readFileSync(path.join(ALERTS_DIR, "burnlink.rules.test.yml"), "utf8");

function promtool(...args: string[]) {
  const result = spawnSync("promtool", args, { cwd: ALERTS_DIR, encoding: "utf8" });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const alertNames = [...RULES.matchAll(/^\s*- alert: (\w+)$/gm)].map((match) => match[1]);

describe("the alert rules", () => {
  it("cover brute force, enumeration, ip_blocked, creates, store outage and latency, webhooks and memory", () => {
    expect(alertNames).toEqual([
      "BurnlinkPassphraseBruteForce",
      "BurnlinkEnumeration",
      "BurnlinkIpBlockedSpike",
      "BurnlinkCreateSpike",
      "BurnlinkStoreUnavailable",
      "BurnlinkStoreSlow",
      "BurnlinkWebhooksFailing",
      "BurnlinkHighMemory",
    ]);
  });

  it("pass promtool check rules", () => {
    const result = promtool("check", "rules", "burnlink.rules.yml");
    expect([result.status, result.stderr]).toEqual([0, ""]);
    expect(result.stdout).toContain(`SUCCESS: ${alertNames.length} rules found`);
  });

  it("pass promtool test rules, which fires each alert on a synthetic series", () => {
    const result = promtool("test", "rules", "burnlink.rules.test.yml");
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).toContain("SUCCESS");
  });

  it("have a firing case in the rule tests for every alert", () => {
    const firing = new Set(
      [...RULE_TESTS.matchAll(/alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels:/g)].map((match) => match[1]),
    );
    expect([...firing].sort()).toEqual([...alertNames].sort());
  });

  it("read only metrics the server exposes", async () => {
    const registry = getMetrics().registry;
    const exposed = new Set<string>();
    for (const { name } of registry.getMetricsAsArray()) {
      const metric = registry.getSingleMetric(name);
      const type = metric ? (await metric.get()).type : undefined;
      exposed.add(name);
      if (String(type) === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) exposed.add(`${name}${suffix}`);
    }
    const expressions = [...RULES.matchAll(/expr: (?:>-\n)?((?:.+\n?)+?)\s+for:/g)].map((match) => match[1] ?? "");
    expect(expressions).toHaveLength(alertNames.length);
    const used = new Set(expressions.flatMap((expr) => [...expr.matchAll(/\b((?:burnlink|process|nodejs)_[a-z_]+)\b/g)].map((match) => match[1] ?? "")));
    expect(used.size).toBeGreaterThanOrEqual(7);
    for (const name of used) expect(exposed, `${name} is not exposed by lib/server/metrics.ts`).toContain(name);
  });
});
