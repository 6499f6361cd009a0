/**
 * Redis Cluster over TLS (issue 10 item 6): with `rediss://` seeds every node connection,
 * not only the seed's, is TLS, so data and AUTH never go in clear; seeds that mix TLS and
 * cleartext are refused. Proven on the options built and on a real three-master cluster
 * that has no cleartext port at all (`--port 0 --tls-port …`, `--tls-cluster yes`) and a
 * password, with certificates made by openssl for this run.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createCluster } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterClientOptions, createRedisClusterStore, MIXED_TLS_SEEDS_MESSAGE } from "@/lib/store/redis-cluster-store";
import { StoreUnavailableError } from "@/lib/store/types";
import { freePort } from "../support/free-port";
import { makeSecret, requester, waitFor } from "./helpers";

const run = promisify(execFile);
const PASSWORD = "tls-cluster-test-password";
const keyPrefix = "burnlink-tls";

describe("the options built for a Redis Cluster", () => {
  it("puts TLS (and the private CA) in the defaults every node client is built from when the seeds are rediss://", () => {
    const options = clusterClientOptions(["rediss://:pw@10.0.0.1:6380", "rediss://10.0.0.2:6380"], 1500, { ca: "CA PEM" });
    expect(options.defaults?.socket).toMatchObject({ tls: true, ca: "CA PEM", connectTimeout: 1500 });
    expect(options.defaults?.password).toBe("pw");
    expect(options.rootNodes.map((node) => node.url)).toEqual(["rediss://:pw@10.0.0.1:6380", "rediss://10.0.0.2:6380"]);
    expect(options.commandOptions?.timeout).toBe(1500);
  });

  it("sets no TLS for cleartext seeds", () => {
    const options = clusterClientOptions(["10.0.0.1:6379", "redis://10.0.0.2:6379"], 1500);
    expect(options.defaults?.socket).not.toHaveProperty("tls");
    expect(options.rootNodes.map((node) => node.url)).toEqual(["redis://10.0.0.1:6379", "redis://10.0.0.2:6379"]);
  });

  it.each([
    [["rediss://10.0.0.1:6380", "redis://10.0.0.2:6379"]],
    [["rediss://10.0.0.1:6380", "10.0.0.2:6379"]],
    [["10.0.0.1:6379", "rediss://10.0.0.2:6380"]],
  ])("refuses seeds that mix TLS and cleartext: %j", (nodes) => {
    expect(() => clusterClientOptions(nodes, 1500)).toThrow(new TypeError(MIXED_TLS_SEEDS_MESSAGE));
    expect(() => createRedisClusterStore({ nodes })).toThrow(MIXED_TLS_SEEDS_MESSAGE);
  });

  it("refuses TLS settings for cleartext seeds instead of ignoring them", () => {
    expect(() => clusterClientOptions(["10.0.0.1:6379"], 1500, { ca: "CA PEM" })).toThrow(/need rediss:\/\/ seeds/);
  });
});

interface TlsCluster {
  ports: number[];
  ca: string;
  stop(): Promise<void>;
}

/** openssl: a CA and a server certificate for 127.0.0.1, in `dir`. */
async function makeCertificates(dir: string): Promise<void> {
  const openssl = (...args: string[]) => run("openssl", args, { cwd: dir });
  await openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=burnlink-test-ca");
  await openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  await writeFile(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf");
}

async function startTlsCluster(masters = 3): Promise<TlsCluster> {
  const dir = await mkdtemp(join(tmpdir(), "burnlink-tls-cluster-"));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await makeCertificates(dir);
    const cli = (port: number, ...args: string[]) =>
      run("redis-cli", ["--tls", "--cacert", join(dir, "ca.crt"), "-h", "127.0.0.1", "-p", String(port), "-a", PASSWORD, "--no-auth-warning", ...args]);
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      const busPort = await freePort();
      ports.push(port);
      const child = spawn(
        "redis-server",
        [
          "--port", "0",
          "--tls-port", String(port),
          "--bind", "127.0.0.1",
          "--tls-cert-file", join(dir, "server.crt"),
          "--tls-key-file", join(dir, "server.key"),
          "--tls-ca-cert-file", join(dir, "ca.crt"),
          "--tls-auth-clients", "no",
          "--tls-cluster", "yes",
          "--cluster-enabled", "yes",
          "--cluster-port", String(busPort),
          "--cluster-config-file", join(dir, `nodes-${port}.conf`),
          "--requirepass", PASSWORD,
          "--masterauth", PASSWORD,
          "--dir", dir,
          "--save", "",
          "--appendonly", "no",
        ],
        { stdio: "ignore" },
      );
      children.push(child);
      await waitFor(
        () => cli(port, "PING").then(({ stdout }) => (stdout.trim() === "PONG" ? true : undefined), () => undefined),
        `the TLS redis-server on ${port}`,
      );
    }
    await cli(ports[0] ?? 0, "--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", "0", "--cluster-yes");
    for (const port of ports) {
      await waitFor(
        () => cli(port, "CLUSTER", "INFO").then(({ stdout }) => (stdout.includes("cluster_state:ok") ? true : undefined), () => undefined),
        `cluster_state:ok on ${port}`,
        { timeoutMs: 20_000 },
      );
    }
    return { ports, ca: await readFile(join(dir, "ca.crt"), "utf8"), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

describe("a real Redis Cluster reachable only over TLS, with a password", () => {
  let cluster: TlsCluster;
  beforeAll(async () => {
    cluster = await startTlsCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const seeds = () => cluster.ports.map((port) => `rediss://:${PASSWORD}@127.0.0.1:${port}`);

  it("stores and reveals secrets on every master through rediss:// seeds", async () => {
    const store = createRedisClusterStore({ nodes: seeds(), keyPrefix, tls: { ca: cluster.ca } });
    try {
      await store.ping();
      // Enough secrets that every master holds some: each is a data connection after discovery.
      const secrets = Array.from({ length: 24 }, () => makeSecret());
      for (const secret of secrets) expect(await store.create(secret.input)).toMatchObject({ kind: "created" });
      for (const secret of secrets) {
        const answer = await store.reveal({
          id: secret.input.id,
          accessVerifier: secret.access.verifier,
          unlockVerifier: secret.unlock.verifier,
          nowMs: Date.now(),
          requester: requester(),
        });
        expect(answer).toMatchObject({ kind: "ok", ciphertext: secret.ciphertext });
      }
      const inspector = createCluster(clusterClientOptions(seeds(), 5000, { ca: cluster.ca }));
      await inspector.connect();
      let keysPerNode: number[];
      try {
        keysPerNode = await Promise.all(
          inspector.masters.map(async (master) => (await (await inspector.nodeClient(master)).keys(`${keyPrefix}:*`)).length),
        );
      } finally {
        await inspector.close();
      }
      expect(keysPerNode).toHaveLength(3);
      expect(keysPerNode.every((count) => count > 0)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("cannot be used with TLS on the seed connection only, which is what the driver used to build", async () => {
    const [first] = seeds();
    const built = clusterClientOptions(seeds(), 1000, { ca: cluster.ca });
    // The old defaults: timeouts and reconnects, no TLS.
    const cleartextSocket = { connectTimeout: 1000 };
    const seedOnly = createCluster({
      ...built,
      rootNodes: [{ url: first ?? "", socket: { tls: true, ca: cluster.ca } }],
      defaults: { ...built.defaults, socket: cleartextSocket },
    });
    seedOnly.on("error", () => undefined);
    seedOnly.on("node-error", () => undefined);
    const store = createRedisClusterStore({ nodes: seeds(), keyPrefix, tls: { ca: cluster.ca } });
    try {
      const attempt = Promise.race([
        seedOnly.connect().then(async () => (await seedOnly.set(`${keyPrefix}:{probe}`, "x"), "worked")),
        new Promise((resolve) => setTimeout(() => resolve("timed out"), 5000)),
      ]).catch((error: unknown) => (error instanceof Error ? error.name : "failed"));
      expect(await attempt).not.toBe("worked");
      // The same cluster through the driver's own options answers.
      await expect(store.ping()).resolves.toBeUndefined();
    } finally {
      seedOnly.destroy();
      await store.close();
    }
  });

  it("refuses a wrong password with StoreUnavailableError, over TLS", async () => {
    const store = createRedisClusterStore({
      nodes: cluster.ports.map((port) => `rediss://:wrong@127.0.0.1:${port}`),
      keyPrefix,
      tls: { ca: cluster.ca },
    });
    try {
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await store.close();
    }
  });
});
