/**
 * The Upstash REST transport on an undici Pool (issue 15 item 4): a `Requester`, the
 * transport hook @upstash/redis supports (`new Redis(requester)`), in place of the
 * client's own global-`fetch` transport, which spends most of a store call's CPU in the
 * WHATWG Request/Response/stream machinery (~370 µs per call measured, against ~50 µs here).
 *
 * Guarantees (the same as the fetch transport in ./upstash-store.ts):
 * - every request carries `Authorization: Bearer <token>` and the deadline signal of the
 *   operation it belongs to (headers and body both: an answer that stalls halfway is
 *   aborted too);
 * - nothing is retried: undici's Pool never retries on its own, and no retry is added
 *   (a script that ran but whose answer was lost must not run twice);
 * - an error answer becomes `{ error }`, which @upstash/redis throws as an UpstashError
 *   WITHOUT the command appended (its fetch transport appends the arguments);
 * - read-your-writes as the fetch transport does it: the last `upstash-sync-token` Upstash
 *   answered with goes with the next request, so a read after a write is not served by a
 *   replica that has not seen it yet;
 * - answers are plain JSON (`responseEncoding: false`, no `Upstash-Encoding: base64`):
 *   everything the scripts store and return is UTF-8 text (base64url, digits, JSON), so the
 *   base64 round trip would only cost CPU.
 */
import "server-only";
import { errors, Redis, type Requester, type UpstashRequest, type UpstashResponse } from "@upstash/redis";
import { Pool } from "undici";

export interface PoolRequesterOptions {
  /** UPSTASH_REDIS_REST_URL: an origin, optionally with a base path. */
  url: string;
  token: string;
  /** The deadline of the operation the request belongs to, asked for per request. */
  signal: () => AbortSignal;
  /** Upper bound of open sockets; further requests wait in the pool, still under their deadline. */
  connections?: number;
}

/** Enough for 50+ concurrent API requests of 2–3 store calls each without queueing much. */
export const DEFAULT_POOL_CONNECTIONS = 128;

export class PoolRequester implements Requester {
  readonly readYourWrites = true;
  upstashSyncToken = "";
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: PoolRequesterOptions) {
    const url = new URL(options.url);
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? DEFAULT_POOL_CONNECTIONS,
      // One request per socket at a time: a pipelined request would wait behind another's
      // slow answer and lose its deadline to it.
      pipelining: 1,
    });
    this.headers = { authorization: `Bearer ${options.token}`, "content-type": "application/json" };
  }

  async request<TResult = unknown>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
    const path = `${this.basePath}/${(req.path ?? []).join("/")}`;
    const { statusCode, headers, body } = await this.pool.request({
      method: "POST",
      path,
      headers: { ...this.headers, "upstash-sync-token": this.upstashSyncToken, ...req.headers },
      body: JSON.stringify(req.body),
      signal: req.signal ?? this.options.signal(),
    });
    const raw = await body.text();
    const token = headers["upstash-sync-token"];
    // As @upstash/redis's HttpClient: an answer without a token clears it.
    this.upstashSyncToken = typeof token === "string" ? token : "";
    let answer: unknown;
    try {
      answer = JSON.parse(raw);
    } catch (error) {
      throw new errors.UpstashJSONParseError(raw, { cause: error });
    }
    if (statusCode >= 200 && statusCode < 300) return answer as UpstashResponse<TResult>;
    const message = typeof (answer as { error?: unknown })?.error === "string" ? (answer as { error: string }).error : `HTTP ${statusCode}`;
    return { error: message };
  }

  /** Closes the sockets once the requests under way are answered (or past their deadline). */
  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * `new Redis(requester)` takes no options, so it would JSON-parse script replies ("[]",
 * "true", "007" would come back as an array, a boolean, a number). The store parses them
 * itself (./script-replies.ts), as the fetch transport's `automaticDeserialization: false`
 * asks; `opts` is the client's protected options field, read per command.
 */
export class RawReplyRedis extends Redis {
  constructor(requester: Requester) {
    super(requester);
    this.opts = { automaticDeserialization: false };
  }
}
