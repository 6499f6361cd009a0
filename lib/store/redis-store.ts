/**
 * The Redis driver over TCP (node-redis 6): the Lua scripts of ./scripts.ts run
 * with EVALSHA, falling back to EVAL when the server does not know them yet
 * (NOSCRIPT, e.g. after a restart).
 *
 * Guarantees:
 * - every operation is one script, hence one atomic step, shared by every app
 *   instance that talks to the same Redis (PROTOCOL.md §4);
 * - it never hangs: a Redis that is down, unreachable, full (OOM) or silent
 *   makes an operation reject with StoreUnavailableError within about
 *   `commandTimeoutMs` (default 1.5 s). Commands are never queued while
 *   disconnected; they fail at once instead;
 * - it recovers by itself: the client keeps reconnecting in the background
 *   (backing off to at most 2 s), so operations succeed again as soon as Redis
 *   is back, without a restart of the app.
 * Error messages never carry command arguments (ciphertexts, verifiers).
 */
import "server-only";
import { createClient, ErrorReply } from "redis";
import { DEFAULT_KEY_PREFIX } from "./keys";
import { ScriptedStore, type Durability, type ScriptRunner } from "./scripted-store";
import type { LuaScript } from "./scripts";
import { StoreUnavailableError, type SecretStore } from "./types";

export interface RedisStoreOptions {
  /** `redis://` or `rediss://` URL, credentials included. */
  url: string;
  keyPrefix?: string;
  /** Upper bound for one operation, connection wait included. Default 1500 ms. */
  commandTimeoutMs?: number;
  /** REDIS_WAIT_REPLICAS / REDIS_WAIT_TIMEOUT_MS; default: wait for none. */
  durability?: Durability;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 1_500;
const MAX_RECONNECT_DELAY_MS = 2_000;

/** Never give up: the app heals itself when Redis returns. Backs off to 2 s, with jitter. */
export function reconnectDelayMs(retries: number): number {
  return Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100);
}

/** Turns any failure into StoreUnavailableError with a message an operator can act on. */
export function redisFailure(error: unknown): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  if (error instanceof ErrorReply) {
    if (error.message.startsWith("OOM")) {
      return new StoreUnavailableError(
        "Redis is out of memory (maxmemory reached): it refuses new secrets until memory is freed",
        { cause: error },
      );
    }
    const firstLine = error.message.split("\n")[0]?.slice(0, 200) ?? "";
    return new StoreUnavailableError(`Redis refused the operation: ${firstLine}`, { cause: error });
  }
  return new StoreUnavailableError("Redis is unreachable", { cause: error });
}

/**
 * Runs `work` under one deadline: rejects with StoreUnavailableError when it has not
 * settled after `ms`, and at that moment aborts the signal `work` was given.
 *
 * The abort is what keeps a 503 true (issue 10 item 5): work that has not reached Redis
 * yet (a command waiting for the connection, the EVAL after a late NOSCRIPT, a cluster
 * command re-sent after a MOVED redirect) checks the signal, and node-redis refuses to
 * write a command whose signal has aborted, so nothing of the operation starts after
 * the caller was told it failed. A command already written cannot be called back: Redis
 * runs it when it reads it (a stopped server, on SIGCONT); a claim (PROTOCOL.md §6) is
 * what makes that safe to retry.
 *
 * Node runs due timers before it reads sockets, so on a busy process an answer that
 * Redis sent in time can sit unread behind this timer. The rejection therefore waits
 * for one more socket read (setImmediate runs after it): the deadline measures the
 * silence of Redis, not the lag of our own event loop. Without this, an overloaded app
 * answered 503 for reveals that Redis had already performed, so a view was used up
 * and the recipient told nothing had happened (tests/reliability/stores.test.ts).
 */
export function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms: number, what: string): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let lastLook: NodeJS.Immediate | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      lastLook = setImmediate(() => {
        const late = new StoreUnavailableError(`Redis did not answer ${what} within ${ms} ms`);
        controller.abort(late);
        reject(late);
      });
    }, ms);
  });
  const running = work(controller.signal);
  // After the deadline its rejection (usually the abort) has nobody left to tell.
  running.catch(() => undefined);
  return Promise.race([running, deadline]).finally(() => {
    clearTimeout(timer);
    if (lastLook) clearImmediate(lastLook);
  });
}

/** Throws the deadline's error when `signal` has aborted: checked before each new command. */
export function throwIfLate(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new StoreUnavailableError("The store deadline passed");
}

/** True for Redis's answer to EVALSHA of a script it does not hold (e.g. after a restart). */
export function isNoScript(error: unknown): boolean {
  return error instanceof ErrorReply && error.message.startsWith("NOSCRIPT");
}

class RedisRunner implements ScriptRunner {
  private readonly client;
  private readonly timeoutMs: number;
  /** A connection attempt failed since the client was last ready: fail fast, don't wait. */
  private down = false;
  private closed = false;

  constructor(url: string, timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    this.client = createClient({
      url,
      // Commands must not wait in a queue while Redis is away: answer 503 now.
      disableOfflineQueue: true,
      // No per-command timeout (0; leaving it out means node-redis's default of 5 s): with
      // one, node-redis makes an AbortSignal.timeout for every command, whose timer still
      // fires (and builds a DOMException) long after the answer came, for nothing:
      // withDeadline's signal already drops a command not yet written at our deadline, and
      // bounds the whole operation besides (run, below).
      commandOptions: { timeout: 0 },
      socket: {
        connectTimeout: timeoutMs,
        reconnectStrategy: reconnectDelayMs,
      },
    });
    this.client.on("error", (error: unknown) => {
      if (!this.down && !this.closed) {
        console.error(`burnlink: cannot reach Redis (${error instanceof Error ? error.message : "error"}); retrying in the background`);
      }
      this.down = true;
    });
    this.client.on("ready", () => {
      if (this.down) console.error("burnlink: connected to Redis again");
      this.down = false;
    });
    // connect() settles on the first ready connection; failures are handled by the events above.
    this.client.connect().catch(() => {});
  }

  /** Waits for the first connection (bounded); refuses at once while Redis is known to be down. */
  private ready(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreUnavailableError("The Redis store is closed"));
    if (this.client.isReady) return Promise.resolve();
    if (this.down) return Promise.reject(new StoreUnavailableError("Redis is unreachable; reconnecting in the background"));
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: unknown) => {
        this.client.off("ready", onReady);
        this.client.off("error", finish);
        if (error === undefined) resolve();
        else reject(redisFailure(error));
      };
      const onReady = () => finish();
      this.client.once("ready", onReady);
      this.client.once("error", finish);
    });
  }

  async run(script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    const attempt = async (signal: AbortSignal) => {
      await this.ready();
      throwIfLate(signal);
      // node-redis refuses to write a command whose signal has aborted.
      const client = this.client.withAbortSignal(signal);
      try {
        return await client.evalSha(script.sha1, { keys, arguments: args });
      } catch (error) {
        if (!isNoScript(error)) throw error;
        // A NOSCRIPT that arrives after the deadline must not start the operation now:
        // the caller has already answered 503.
        throwIfLate(signal);
        // EVAL both runs and caches the script; later calls hit EVALSHA again.
        return await client.eval(script.source, { keys, arguments: args });
      }
    };
    // One deadline for the whole operation. node-redis's own timeout stops once a
    // command is written, so a Redis that accepts but never answers needs this one.
    // If it fires after the script reached Redis, the step may still happen there.
    try {
      return await withDeadline(attempt, this.timeoutMs, `the ${script.name} script`);
    } catch (error) {
      throw redisFailure(error);
    }
  }

  /** WAIT on this runner's one connection, which ran the script (PROTOCOL.md §6, "Durability"). */
  async waitForReplicas(_key: string, replicas: number, timeoutMs: number): Promise<number> {
    try {
      const acknowledged = await withDeadline(
        () => this.ready().then(() => this.client.sendCommand(["WAIT", String(replicas), String(timeoutMs)])),
        this.timeoutMs + timeoutMs,
        "WAIT",
      );
      return typeof acknowledged === "number" ? acknowledged : 0;
    } catch (error) {
      throw redisFailure(error);
    }
  }

  async persistenceSettings(): Promise<Record<string, string>> {
    const settings: Record<string, string> = {};
    for (const name of ["appendonly", "appendfsync", "save"]) {
      const reply = await withDeadline(() => this.ready().then(() => this.client.configGet(name)), this.timeoutMs, "CONFIG GET");
      const value = (reply as Record<string, string>)[name];
      if (value !== undefined) settings[name] = value;
    }
    return settings;
  }

  async ping(): Promise<void> {
    try {
      await withDeadline(
        (signal) => this.ready().then(() => this.client.withAbortSignal(signal).ping()),
        this.timeoutMs,
        "PING",
      );
    } catch (error) {
      throw redisFailure(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.client.isOpen) return;
    try {
      await withDeadline(() => this.client.close(), this.timeoutMs, "QUIT");
    } catch {
      this.client.destroy();
    }
  }
}

export function createRedisStore(options: RedisStoreOptions): SecretStore {
  const runner = new RedisRunner(options.url, options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  return new ScriptedStore("redis", runner, options.keyPrefix ?? DEFAULT_KEY_PREFIX, options.durability);
}
