/**
 * lib/server/memory-limit.mjs: the heap cap `npm start` gives each worker, from
 * MEMORY_LIMIT_MB, the cgroup (v2, then v1) or the default; and when the operator's own
 * --max-old-space-size wins.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_HEAP_MB, heapCapMb, heapFlagGiven, memoryLimit, semiSpaceFlags } from "@/lib/server/memory-limit.mjs";

const GB = 1024 * 1024 * 1024;
const files = (entries: Record<string, string>) => (file: string) => entries[file];

describe("the memory limit", () => {
  it("is MEMORY_LIMIT_MB when set, and refuses anything but whole megabytes", () => {
    expect(memoryLimit({ MEMORY_LIMIT_MB: "512" }, files({}), 24 * GB)).toEqual({ limitMb: 512, source: "MEMORY_LIMIT_MB" });
    expect(memoryLimit({ MEMORY_LIMIT_MB: "0.5" }, files({}), 24 * GB)).toEqual({
      error: "MEMORY_LIMIT_MB must be a whole number of megabytes (0: no heap cap)",
    });
  });

  it("comes from cgroup v2 memory.max, then v1, and 'max' or a value above the machine's memory is none", () => {
    const v2 = "/sys/fs/cgroup/memory.max";
    const v1 = "/sys/fs/cgroup/memory/memory.limit_in_bytes";
    expect(memoryLimit({}, files({ [v2]: String(768 * 1024 * 1024) }), 24 * GB)).toEqual({ limitMb: 768, source: "cgroup v2 memory.max" });
    expect(memoryLimit({}, files({ [v2]: "max", [v1]: String(GB) }), 24 * GB)).toEqual({ limitMb: 1024, source: "cgroup v1 memory.limit_in_bytes" });
    expect(memoryLimit({}, files({ [v1]: "9223372036854771712" }), 24 * GB)).toEqual({ limitMb: undefined, source: "default" });
  });
});

describe("the heap cap", () => {
  it("shares the limit between workers after their non-heap memory, with a floor", () => {
    expect(heapCapMb(512, 1, "20.20.2")).toBe(312);
    expect(heapCapMb(1024, 2, "20.20.2")).toBe(312);
    expect(heapCapMb(128, 4, "20.20.2")).toBe(64);
    expect(heapCapMb(undefined, 1, "20.20.2")).toBe(DEFAULT_HEAP_MB);
    expect(heapCapMb(0, 1, "20.20.2")).toBeUndefined();
    // Node 24's 32 MB semi-spaces take 2 × 16 MB more beside the old space: (512 − 128) × 0.75.
    expect(heapCapMb(512, 1, "24.21.0")).toBe(288);
    expect(heapCapMb(undefined, 1, "24.21.0")).toBe(DEFAULT_HEAP_MB);
  });

  it("is left to the operator who set --max-old-space-size", () => {
    expect(heapFlagGiven([], "--max-old-space-size=1024")).toBe(true);
    expect(heapFlagGiven(["--max_old_space_size=64"], "")).toBe(true);
    expect(heapFlagGiven(["--max-semi-space-size=16"], "--enable-source-maps")).toBe(false);
  });

  it("caps the semi-space at 32 MB on Node 24 and later, unless the operator chose one", () => {
    expect(semiSpaceFlags("20.20.2", [], "")).toEqual([]);
    expect(semiSpaceFlags("24.21.0", [], "")).toEqual(["--max-semi-space-size=32"]);
    expect(semiSpaceFlags("24.21.0", [], "--max-semi-space-size=64")).toEqual([]);
  });
});
