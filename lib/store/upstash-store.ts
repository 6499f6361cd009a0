/**
 * The Upstash driver: the same Lua scripts as the Redis driver (./scripts.ts),
 * sent over Upstash's REST API with @upstash/redis (EVALSHA, then EVAL on
 * NOSCRIPT). The transport is an undici Pool behind the client's Requester hook
 * (./upstash-requester.ts); the client's own global-fetch transport stays available
 * (`transport: "fetch"`) so the bench can compare the two on the same bridge.
 *
 * Guarantees:
 * - every operation is one script, hence one atomic step on Upstash;
 * - it never hangs: each operation has one deadline (default 1.5 s), an
 *   AbortSignal that every request of the operation carries (EVALSHA and the
 *   EVAL after NOSCRIPT share it, and no EVAL is sent once it has passed); a
 *   network failure, a timeout or an error answer (auth, rate limit, OOM)
 *   rejects with StoreUnavailableError;
 * - no request is retried: a script that reached Upstash but whose answer was
 *   lost must not run twice (a second reveal would consume a second view);
 * - error messages never carry the command (@upstash/redis appends it to its
 *   own messages, and it holds ciphertexts and verifiers): they are cut off.
 */
import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { errors, Redis } from "@upstash/redis";
import { DEFAULT_KEY_PREFIX } from "./keys";
import { PoolRequester, RawReplyRedis } from "./upstash-requester";
import { DEFAULT_COMMAND_TIMEOUT_MS } from "./redis-store";
import { ScriptedStore, type ScriptRunner } from "./scripted-store";
import type { LuaScript } from "./scripts";
import { StoreUnavailableError, type SecretStore } from "./types";

export interface UpstashStoreOptions {
  /** UPSTASH_REDIS_REST_URL (or KV_REST_API_URL). */
  url: string;
  /** UPSTASH_REDIS_REST_TOKEN (or KV_REST_API_TOKEN). */
  token: string;
  keyPrefix?: string;
  /** Upper bound for one request. Default 1500 ms. */
  commandTimeoutMs?: number;
  /** "pool" (default): undici Pool requester; "fetch": @upstash/redis's own transport. */
  transport?: UpstashTransport;
}

export type UpstashTransport = "pool" | "fetch";

/** @upstash/redis appends ", command was: [...]" (the arguments) to error answers. */
function errorAnswer(error: Error): string {
  return (error.message.split(", command was:")[0] ?? "").split("\n")[0]?.slice(0, 200) ?? "";
}

export function upstashFailure(error: unknown, timeoutMs: number): StoreUnavailableError {
  if (error instanceof StoreUnavailableError) return error;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new StoreUnavailableError(`Upstash did not answer within ${timeoutMs} ms`);
  }
  // Before UpstashError, of which it is a subclass: its message quotes the body.
  if (error instanceof Error && error.name === "UpstashJSONParseError") {
    return new StoreUnavailableError("Upstash gave an answer that is not JSON");
  }
  if (error instanceof errors.UpstashError) {
    const answer = errorAnswer(error);
    // The original error is not kept as the cause: its message holds the command.
    if (answer.startsWith("OOM")) {
      return new StoreUnavailableError(
        "Upstash is out of memory (maxmemory reached): it refuses new secrets until memory is freed",
      );
    }
    return new StoreUnavailableError(`Upstash refused the operation: ${answer}`);
  }
  return new StoreUnavailableError("Upstash is unreachable", { cause: error });
}

/**
 * Like AbortSignal.timeout(ms), but the abort waits for one more socket read: Node runs
 * due timers before it reads sockets, so on a busy process an answer Upstash sent in
 * time could be thrown away unread, after the script had run (a reveal would use up a
 * view and answer 503). See withDeadline in ./redis-store.ts.
 */
function timeoutSignal(ms: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    setImmediate(() => controller.abort(new DOMException(`Upstash did not answer within ${ms} ms`, "TimeoutError")));
  }, ms);
  // Like AbortSignal.timeout: a pending timeout does not keep the process alive.
  timer.unref();
  return controller.signal;
}

class UpstashRunner implements ScriptRunner {
  private readonly redis: Redis;
  private readonly pool: PoolRequester | undefined;
  /** The deadline of the operation a request belongs to (see run()). */
  private readonly deadlines = new AsyncLocalStorage<AbortSignal>();

  constructor(
    options: UpstashStoreOptions,
    private readonly timeoutMs: number,
  ) {
    // The running operation's deadline, else a fresh one (a ping has no operation).
    const signal = () => this.deadlines.getStore() ?? timeoutSignal(timeoutMs);
    if ((options.transport ?? "pool") === "pool") {
      this.pool = new PoolRequester({ url: options.url, token: options.token, signal });
      this.redis = new RawReplyRedis(this.pool);
      return;
    }
    this.pool = undefined;
    this.redis = new Redis({
      url: options.url,
      token: options.token,
      retry: { retries: 0 },
      // A function, not a plain signal: one that fires would make @upstash/redis's fetch
      // transport return a fake successful answer instead of throwing.
      signal,
      // Script replies are parsed here, not guessed at as JSON.
      automaticDeserialization: false,
      enableAutoPipelining: false,
      enableTelemetry: false,
    });
  }

  async run(script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    // One deadline for the whole operation (issue 10 item 5): the EVAL after a NOSCRIPT
    // gets what is left of it, not a fresh one, and none at all once it has passed.
    const deadline = timeoutSignal(this.timeoutMs);
    return this.deadlines.run(deadline, async () => {
      try {
        try {
          return await this.redis.evalsha(script.sha1, keys, args);
        } catch (error) {
          if (!(error instanceof errors.UpstashError && error.message.toUpperCase().includes("NOSCRIPT"))) throw error;
          deadline.throwIfAborted();
          return await this.redis.eval(script.source, keys, args);
        }
      } catch (error) {
        throw upstashFailure(error, this.timeoutMs);
      }
    });
  }

  async ping(): Promise<void> {
    try {
      await this.redis.ping();
    } catch (error) {
      throw upstashFailure(error, this.timeoutMs);
    }
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

export function createUpstashStore(options: UpstashStoreOptions): SecretStore {
  const runner = new UpstashRunner(options, options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  return new ScriptedStore("upstash", runner, options.keyPrefix ?? DEFAULT_KEY_PREFIX);
}
