/**
 * lib/server/route-call.mjs: the params the direct path hands a bundled route handler must
 * be the ones Next gives it for the same path (tests/api/api-dispatch.test.ts compares
 * whole answers; this pins the parsing on its own, catch-alls included).
 */
import { describe, expect, it } from "vitest";
import { paramsOf, paramsPattern } from "@/lib/server/route-call.mjs";

describe("route params on the direct path", () => {
  it("reads one named segment", () => {
    const pattern = paramsPattern("/api/secrets/[id]/check");
    expect(paramsOf(pattern, "/api/secrets/AAAAAAAAAAAAAAAAAAAAAA/check")).toEqual({ id: "AAAAAAAAAAAAAAAAAAAAAA" });
  });

  it("gives a static route no params", () => {
    expect(paramsOf(paramsPattern("/api/secrets"), "/api/secrets")).toEqual({});
  });

  it("gives an optional catch-all every segment after its place, as an array", () => {
    const pattern = paramsPattern("/api/[[...path]]");
    expect(paramsOf(pattern, "/api/unknown/deeper/path")).toEqual({ path: ["unknown", "deeper", "path"] });
    expect(paramsOf(pattern, "/api/x")).toEqual({ path: ["x"] });
  });

  it("reads a required catch-all the same way", () => {
    expect(paramsOf(paramsPattern("/api/files/[...rest]"), "/api/files/a/b")).toEqual({ rest: ["a", "b"] });
  });
});
