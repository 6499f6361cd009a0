/**
 * Docker cannot run on the machines that test Burnlink, so the image is held to what
 * tests/deploy/standalone.test.ts proves: it builds with `npm run build`, copies only the
 * standalone folder, runs the same command as a non-root user, and checks its health.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_DIR } from "../support/global-setup";

const dockerfile = readFileSync(path.join(PROJECT_DIR, "Dockerfile"), "utf8");
const compose = readFileSync(path.join(PROJECT_DIR, "compose.yaml"), "utf8");
const instructions = dockerfile
  .replace(/\\\n\s*/g, " ")
  .split("\n")
  .filter((line) => line.trim() !== "" && !line.startsWith("#"));
const stageStarts = instructions.flatMap((line, index) =>
  line.startsWith("FROM ") ? [index] : [],
);
const finalStage = instructions.slice(stageStarts.at(-1));

describe("the Dockerfile", () => {
  it("builds with the same npm scripts the tests run", () => {
    expect(instructions).toContain("RUN npm ci --no-audit --no-fund");
    expect(instructions).toContain("RUN npm run build");
  });

  it("ships only the standalone folder, on a current Node LTS", () => {
    expect(finalStage[0]).toMatch(/^FROM node:24-/);
    expect(finalStage.filter((line) => line.startsWith("COPY"))).toEqual([
      "COPY --from=build /src/.next/standalone ./",
    ]);
  });

  it("runs the standalone test's command as a non-root user, with a health check", () => {
    expect(finalStage).toContain('CMD ["node", "lib/server/start.mjs"]');
    const user = finalStage.find((line) => line.startsWith("USER "));
    expect(user).toBeDefined();
    expect(user).not.toMatch(/USER (root|0)\b/);
    expect(finalStage.indexOf(user!)).toBeLessThan(
      finalStage.findIndex((line) => line.startsWith("CMD ")),
    );
    expect(finalStage.find((line) => line.startsWith("HEALTHCHECK "))).toContain("/api/health");
  });
});

describe("compose.yaml", () => {
  it("runs Redis with no persistence and noeviction, as SECURITY.md's durability section advises", () => {
    expect(compose).toContain('"--save", ""');
    expect(compose).toContain('"--appendonly", "no"');
    expect(compose).toContain('"--maxmemory-policy", "noeviction"');
  });
});
