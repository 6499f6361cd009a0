/**
 * The README's systemd unit passes `systemd-analyze verify` with no warning: a misspelt
 * hardening option would otherwise be ignored silently (systemd only warns).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readmeBlock } from "./readme-blocks";

const analyze = spawnSync("sh", ["-c", "command -v systemd-analyze"], {
  encoding: "utf8",
}).stdout.trim();

describe("the README's systemd unit", () => {
  it("is found on this machine's tools (systemd-analyze ships with systemd)", () => {
    expect(analyze).not.toBe("");
  });

  it("verifies without errors or warnings", () => {
    const unit = readmeBlock("systemd");
    const dir = mkdtempSync(path.join(tmpdir(), "burnlink-systemd-"));
    const file = path.join(dir, "burnlink.service");
    writeFileSync(file, unit);
    const run = spawnSync(analyze, ["verify", file], { encoding: "utf8" });
    expect(run.stderr + run.stdout).toBe("");
    expect(run.status).toBe(0);
  });

  it("keeps the hardening a reviewer expects", () => {
    const unit = readmeBlock("systemd");
    for (const line of [
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "PrivateTmp=yes",
      "CapabilityBoundingSet=",
      "User=burnlink",
      "Environment=REDIS_URL_FILE=%d/redis-url",
    ]) {
      expect(unit).toContain(line);
    }
  });

  it("would catch a misspelt option (the check is not blind)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "burnlink-systemd-"));
    const file = path.join(dir, "burnlink.service");
    writeFileSync(file, readmeBlock("systemd").replace("ProtectHome=yes", "ProtectHomes=yes"));
    const run = spawnSync(analyze, ["verify", file], { encoding: "utf8" });
    expect(run.stderr + run.stdout).toMatch(/Unknown key 'ProtectHomes'/);
  });
});
