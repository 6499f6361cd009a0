/**
 * The Redis Cluster driver (REDIS_CLUSTER_NODES): the same Lua scripts as the
 * single-Redis driver, routed by node-redis to the node that owns the secret's
 * slot. Every key of a secret carries the hash tag {id} (PROTOCOL.md §5), so
 * both keys of one secret live in one slot and one script can touch them.
 *
 * Guarantees, as for ./redis-store.ts: one script per operation (one atomic
 * step on the owning node); never hangs (every operation, connection and
 * topology discovery included, is bounded by `commandTimeoutMs`, default
 * 1.5 s, then rejects with StoreUnavailableError); commands are not queued
 * while a node is away; a failed first connection is retried by the next
 * operation, so the app recovers when the cluster does.
 *
 * TLS: with `rediss://` seeds, TLS is set in the defaults every node client is built
 * from, not only on the seed connection, so the data connections to discovered nodes
 * and their AUTH are encrypted too. Seeds that mix TLS and cleartext are refused: one
 * cleartext node would carry secrets and the password in clear.
 */
import "server-only";
import type { ConnectionOptions } from "node:tls";
import { createCluster, type RedisClusterOptions } from "redis";
import { clusterKeySlot } from "./cluster-slot";
import { DEFAULT_KEY_PREFIX } from "./keys";
import { DEFAULT_COMMAND_TIMEOUT_MS, isNoScript, reconnectDelayMs, redisFailure, throwIfLate, withDeadline } from "./redis-store";
import { ScriptedStore, type Durability, type ScriptRunner } from "./scripted-store";
import type { LuaScript } from "./scripts";
import { StoreUnavailableError, type SecretStore } from "./types";

export interface RedisClusterStoreOptions {
  /** Seed nodes, `host:port`, `[v6]:port` or `redis://…` URLs; the rest is discovered. */
  nodes: string[];
  keyPrefix?: string;
  /** Upper bound for one operation, connection wait included. Default 1500 ms. */
  commandTimeoutMs?: number;
  /** Extra TLS settings for every node (a private CA, a client certificate); needs rediss:// seeds. */
  tls?: Pick<ConnectionOptions, "ca" | "cert" | "key" | "servername" | "rejectUnauthorized">;
  /** REDIS_WAIT_REPLICAS / REDIS_WAIT_TIMEOUT_MS; default: wait for none. */
  durability?: Durability;
}

function nodeUrl(node: string): string {
  return /^rediss?:\/\//.test(node) ? node : `redis://${node}`;
}

/** The message for seeds that mix `rediss://` with `redis://` or bare `host:port`. */
export const MIXED_TLS_SEEDS_MESSAGE =
  "REDIS_CLUSTER_NODES mixes rediss:// (TLS) seeds with redis:// or host:port ones: use rediss:// for every node, or for none";

/** True when the seeds ask for TLS (all `rediss://`); throws TypeError when they mix schemes. */
export function clusterUsesTls(nodes: readonly string[]): boolean {
  const tls = nodes.map((node) => nodeUrl(node.trim()).startsWith("rediss://"));
  if (tls.some(Boolean) && !tls.every(Boolean)) throw new TypeError(MIXED_TLS_SEEDS_MESSAGE);
  return tls.length > 0 && tls.every(Boolean);
}

/** What createCluster gets; exported so the options can be tested (TLS in the node defaults). */
export function clusterClientOptions(
  nodes: readonly string[],
  timeoutMs: number,
  tlsSettings: RedisClusterStoreOptions["tls"] = {},
): RedisClusterOptions {
  const useTls = clusterUsesTls(nodes);
  if (!useTls && Object.keys(tlsSettings).length > 0) throw new TypeError("TLS settings for a Redis Cluster need rediss:// seeds");
  const urls = nodes.map(nodeUrl);
  // Credentials given on a seed URL also apply to the nodes discovered from it.
  const seed = new URL(urls[0] ?? "redis://localhost");
  const common = { connectTimeout: timeoutMs, reconnectStrategy: reconnectDelayMs };
  // The seed URLs only serve topology discovery; every data connection is built from
  // `defaults` (node-redis copies them into each node's options, the seeds' included),
  // so TLS must be there or discovered nodes are reached, and AUTH sent, in clear.
  const socket = useTls ? { ...common, ...tlsSettings, tls: true as const } : common;
  return {
    rootNodes: urls.map((url) => ({ url })),
    // A command not yet written when this passes is dropped, not sent late.
    commandOptions: { timeout: timeoutMs },
    defaults: {
      ...(seed.username ? { username: decodeURIComponent(seed.username) } : {}),
      ...(seed.password ? { password: decodeURIComponent(seed.password) } : {}),
      disableOfflineQueue: true,
      socket,
    },
  };
}

class ClusterRunner implements ScriptRunner {
  private readonly cluster;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private down = false;

  constructor(
    nodes: string[],
    private readonly timeoutMs: number,
    tlsSettings?: RedisClusterStoreOptions["tls"],
  ) {
    this.cluster = createCluster(clusterClientOptions(nodes, timeoutMs, tlsSettings));
    // Node connection errors arrive as "node-error"; operations report them as StoreUnavailableError.
    this.cluster.on("node-error", (error: unknown) => {
      if (!this.down && !this.closed) {
        console.error(`burnlink: cannot reach a Redis Cluster node (${error instanceof Error ? error.message : "error"}); retrying`);
      }
      this.down = true;
    });
  }

  /** Connects once; a failed attempt is forgotten so that the next operation tries again. */
  private connect(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreUnavailableError("The Redis Cluster store is closed"));
    this.connecting ??= this.cluster.connect().then(
      () => {
        this.down = false;
      },
      (error: unknown) => {
        this.connecting = undefined;
        throw error;
      },
    );
    return this.connecting;
  }

  async run(script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    const attempt = async (signal: AbortSignal) => {
      await this.connect();
      throwIfLate(signal);
      // Every command of this operation, a re-send after MOVED/ASK included, carries the
      // deadline's signal: node-redis does not write it once the signal has aborted. No
      // per-command timeout on top (0): it would cost an AbortSignal.timeout per command
      // that fires long after the answer, for what the signal already does (redis-store.ts).
      const cluster = this.cluster.withCommandOptions({ abortSignal: signal, timeout: 0 });
      try {
        return await cluster.evalSha(script.sha1, { keys, arguments: args });
      } catch (error) {
        if (!isNoScript(error)) throw error;
        // Not after the deadline: the caller has already answered 503 (see withDeadline).
        throwIfLate(signal);
        return await cluster.eval(script.source, { keys, arguments: args });
      }
    };
    try {
      return await withDeadline(attempt, this.timeoutMs, `the ${script.name} script`);
    } catch (error) {
      throw redisFailure(error);
    }
  }

  /**
   * WAIT on the master that owns `key`'s slot, over the connection that ran the script
   * (PROTOCOL.md §6 "Durability"; issue 11 §3: "on Cluster, WAIT goes to the node that ran
   * the script"). WAIT counts the replicas that have every write *this connection* made, so
   * it must be that node's connection: node-redis keeps one data connection per node and
   * sent the EVALSHA to `nodeClient(slots[slot].master)`, the client used here.
   *
   * Not `cluster.sendCommand(key, …, ["WAIT", …])`: node-redis's command table routes WAIT
   * to all shards and answers the minimum, ignoring the key, so one paused replica anywhere
   * failed every change and every master's connection blocked for the timeout.
   *
   * If a failover moves the slot between the script and this WAIT: a dead old master fails
   * the WAIT (503); an old master cut off from its replica gets no acknowledgement (503).
   * The client's slot map changes only after a MOVED and a rediscovery, which take longer
   * than the microseconds between the script's answer and this command, so the WAIT does
   * not land on a new master that never ran the script.
   */
  async waitForReplicas(key: string, replicas: number, timeoutMs: number): Promise<number> {
    try {
      const acknowledged = await withDeadline(
        async (signal) => {
          await this.connect();
          const master = this.cluster.slots[clusterKeySlot(key)]?.master;
          if (!master) throw new StoreUnavailableError("The Redis Cluster has no master for the secret's slot");
          const client = await this.cluster.nodeClient(master);
          throwIfLate(signal);
          return client.sendCommand(["WAIT", String(replicas), String(timeoutMs)], { abortSignal: signal });
        },
        this.timeoutMs + timeoutMs,
        "WAIT",
      );
      return typeof acknowledged === "number" ? acknowledged : 0;
    } catch (error) {
      throw redisFailure(error);
    }
  }

  async ping(): Promise<void> {
    try {
      await withDeadline(
        () => this.connect().then(async () => {
          // Every master must answer: a secret may live on any of them.
          await Promise.all(this.cluster.masters.map(async (master) => (await this.cluster.nodeClient(master)).ping()));
        }),
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
    if (!this.cluster.isOpen) return;
    try {
      await withDeadline(() => this.cluster.close(), this.timeoutMs, "QUIT");
    } catch {
      this.cluster.destroy();
    }
  }
}

export function createRedisClusterStore(options: RedisClusterStoreOptions): SecretStore {
  if (options.nodes.length === 0) throw new TypeError("A Redis Cluster store needs at least one seed node");
  const runner = new ClusterRunner(options.nodes, options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS, options.tls);
  return new ScriptedStore("redis-cluster", runner, options.keyPrefix ?? DEFAULT_KEY_PREFIX, options.durability);
}
