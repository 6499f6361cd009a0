/**
 * The bench's settings from the environment, shared by main.ts and the per-Node api-suite.ts
 * (which gets the same environment). BENCH_QUICK=1 shortens every run so the whole bench
 * fits in a few minutes while bench code is written; its figures are for checking the
 * bench, not for the README.
 */

export interface BenchSettings {
  quick: boolean;
  connections: number;
  /** Measured time per endpoint and server, split into `rounds` interleaved runs. */
  durationSeconds: number;
  rounds: number;
  /** Warm-up of each target before its first measured run (creates, checks, reveals). */
  warmupSeconds: number;
  /** Short warm-up before every measured run (discarded). */
  runWarmupSeconds: number;
  profileSeconds: number;
  /** How long after the load the "after" resident memory is read. */
  afterSeconds: number;
}

function settingFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = Number(raw);
  return raw !== undefined && raw !== "" && Number.isFinite(value) && value >= 0 ? value : fallback;
}

export function benchSettings(): BenchSettings {
  const quick = process.env.BENCH_QUICK === "1";
  return {
    quick,
    connections: settingFromEnv("BENCH_CONNECTIONS", 50),
    durationSeconds: settingFromEnv("BENCH_DURATION_SECONDS", quick ? 4 : 10),
    rounds: settingFromEnv("BENCH_ROUNDS", quick ? 1 : 2),
    warmupSeconds: settingFromEnv("BENCH_WARMUP_SECONDS", quick ? 6 : 15),
    runWarmupSeconds: settingFromEnv("BENCH_RUN_WARMUP_SECONDS", quick ? 1 : 3),
    profileSeconds: settingFromEnv("BENCH_PROFILE_SECONDS", quick ? 4 : 10),
    afterSeconds: settingFromEnv("BENCH_AFTER_SECONDS", quick ? 10 : 30),
  };
}

/**
 * The rate limiters count in the store on every request as in production, with limits so
 * high (the maximum the config accepts) that the single load client is never refused.
 * tests/support/next-server.ts turns them off unless told.
 */
export const RATE_LIMITS_COUNTING = {
  RATE_LIMIT_CREATE_PER_MINUTE: "1000000",
  RATE_LIMIT_READ_PER_MINUTE: "1000000",
  RATE_LIMIT_MANAGE_PER_MINUTE: "1000000",
  RATE_LIMIT_WRONG_PASSPHRASE_PER_HOUR: "1000000",
  RATE_LIMIT_CREATE_BYTES_PER_MINUTE: "1000000000000",
};
