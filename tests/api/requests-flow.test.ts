/**
 * A black-box client written from PROTOCOL.md §7 alone (node:crypto for SHA-512, tweetnacl
 * for the X25519/XSalsa20-Poly1305 primitives the spec names, plain fetch; no lib/crypto,
 * no lib/api) runs the whole request flow against the real server, once on the memory
 * store and once on a real redis-server. A last test checks that lib/crypto and the
 * lib/api client interoperate with it both ways.
 */
import { createHash, randomBytes } from "node:crypto";
import { createClient } from "redis";
import nacl from "tweetnacl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "@/lib/api/client";
import {
  collectLinkProofs,
  openResponse,
  parseRequestLink,
  requestLinkProofs,
  openLabel,
  sealRequest,
  sealResponse,
} from "@/lib/crypto";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { startRedisServer, type RedisServer } from "../support/redis-server";
import { call, eventually, type Answer } from "./support";

const KEY_PREFIX = "burnlink-requests-test";

/* ---- PROTOCOL.md §1, §3 and §7, independently ---- */

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const fromB64u = (text: string) => new Uint8Array(Buffer.from(text, "base64url"));
const sha512 = (data: Uint8Array) => new Uint8Array(createHash("sha512").update(data).digest());
const derive = (label: string, input: Uint8Array) =>
  sha512(
    new Uint8Array(Buffer.concat([Buffer.from(`burnlink/v1/${label}\u0000`, "utf8"), input])),
  ).subarray(0, 32);
const verifier = (proof: Uint8Array) => sha512(proof).subarray(0, 32);

/** §3 padding: max(1024, padme(L)). */
function padded(length: number): number {
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const mask = 2 ** (e - s) - 1;
  return Math.max(1024, Math.ceil(length / (mask + 1)) * (mask + 1));
}

function envelope(
  text: string,
  files: { name: string; type: string; bytes: Uint8Array }[] = [],
): Uint8Array {
  const header = Buffer.from(
    JSON.stringify({
      v: 1,
      text,
      ...(files.length
        ? { files: files.map((f) => ({ name: f.name, type: f.type, size: f.bytes.length })) }
        : {}),
    }),
    "utf8",
  );
  const length = 4 + header.length + files.reduce((sum, f) => sum + f.bytes.length, 0);
  const out = new Uint8Array(padded(length));
  new DataView(out.buffer).setUint32(0, header.length, false);
  out.set(header, 4);
  let offset = 4 + header.length;
  for (const file of files) {
    out.set(file.bytes, offset);
    offset += file.bytes.length;
  }
  return out;
}

function readEnvelope(bytes: Uint8Array): {
  header: { v: number; text?: string; files?: { name: string; size: number }[] };
  files: Uint8Array[];
} {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, false);
  const header = JSON.parse(Buffer.from(bytes.subarray(4, 4 + length)).toString("utf8"));
  let offset = 4 + length;
  const files = (header.files ?? []).map((file: { size: number }) => {
    const part = bytes.slice(offset, offset + file.size);
    offset += file.size;
    return part;
  });
  return { header, files };
}

interface Requester {
  R: Uint8Array;
  sk: Uint8Array;
  pk: Uint8Array;
  rid: string;
  collect: string;
  requestLink: string;
  collectLink: string;
}

function makeRequester(origin: string): Requester {
  const R = new Uint8Array(randomBytes(32));
  const sk = derive("request/sk", R);
  const pk = nacl.box.keyPair.fromSecretKey(sk).publicKey;
  return {
    R,
    sk,
    pk,
    rid: b64u(derive("request/id", pk).subarray(0, 16)),
    collect: b64u(derive("request/collect", R)),
    requestLink: `${origin}/r#r${b64u(pk)}`,
    collectLink: `${origin}/r#c${b64u(R)}`,
  };
}

function createBody(
  requester: Requester,
  options: { label?: string; ttlSeconds?: number; maxResponses?: number } = {},
) {
  const body: Record<string, unknown> = {
    id: requester.rid,
    writeVerifier: b64u(verifier(derive("request/write", requester.pk))),
    collectVerifier: b64u(verifier(derive("request/collect", requester.R))),
    ttlSeconds: options.ttlSeconds ?? 3600,
    maxResponses: options.maxResponses ?? 1,
  };
  if (options.label !== undefined) {
    const nonce = nacl.randomBytes(24);
    const box = nacl.secretbox(
      envelope(options.label),
      nonce,
      derive("request/label", requester.pk),
    );
    body.label = b64u(new Uint8Array([...nonce, ...box]));
  }
  return body;
}

/** What a responder derives from the request link alone. */
function responderFrom(requestLink: string) {
  const fragment = requestLink.split("#")[1]!;
  expect(fragment).toMatch(/^r[A-Za-z0-9_-]{43}$/);
  const pk = fromB64u(fragment.slice(1));
  return {
    pk,
    rid: b64u(derive("request/id", pk).subarray(0, 16)),
    write: b64u(derive("request/write", pk)),
    openLabel(label: string): string {
      const bytes = fromB64u(label);
      const opened = nacl.secretbox.open(
        bytes.subarray(24),
        bytes.subarray(0, 24),
        derive("request/label", pk),
      );
      if (!opened) throw new Error("the label does not open");
      return readEnvelope(opened).header.text!;
    },
    seal(text: string, files: { name: string; type: string; bytes: Uint8Array }[] = []) {
      const ephemeral = nacl.box.keyPair();
      const nonce = nacl.randomBytes(24);
      const box = nacl.box(envelope(text, files), nonce, pk, ephemeral.secretKey);
      return {
        epk: b64u(ephemeral.publicKey),
        ciphertext: b64u(new Uint8Array([...nonce, ...box])),
        sas: sas(pk, ephemeral.publicKey),
      };
    },
  };
}

function sas(pk: Uint8Array, epk: Uint8Array): string {
  const digest = derive("request/sas", new Uint8Array([...pk, ...epk]));
  return String(
    new DataView(digest.buffer, digest.byteOffset).getUint32(0, false) % 1_000_000,
  ).padStart(6, "0");
}

function openAnswer(requester: Requester, response: { epk: string; ciphertext: string }) {
  const bytes = fromB64u(response.ciphertext);
  const opened = nacl.box.open(
    bytes.subarray(24),
    bytes.subarray(0, 24),
    fromB64u(response.epk),
    requester.sk,
  );
  if (!opened) throw new Error("the answer does not open");
  return { ...readEnvelope(opened), sas: sas(requester.pk, fromB64u(response.epk)) };
}

function isoNear(text: unknown, expectedMs: number, slackMs = 5000): void {
  expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(Math.abs(Date.parse(text as string) - expectedMs)).toBeLessThan(slackMs);
}

describe.each(["memory", "redis"] as const)(
  "requests on the %s store, by a client written from PROTOCOL.md §7",
  (storeKind) => {
    let redis: RedisServer | undefined;
    let server: NextServer;
    let base: string;
    const post = (path: string, json: unknown): Promise<Answer> =>
      call(base, "POST", path, { json });
    const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

    beforeAll(async () => {
      if (storeKind === "redis") redis = await startRedisServer();
      server = await startNextServer({
        env: {
          MIN_TTL_SECONDS: "1",
          META_RETENTION_SECONDS: "1",
          COLLECT_WINDOW_SECONDS: "2",
          ...(redis ? { REDIS_URL: redis.url, KEY_PREFIX } : {}),
        },
      });
      base = server.url;
    }, SERVER_START_TIMEOUT_MS);

    afterAll(async () => {
      await server?.stop();
      await redis?.stop();
    });

    it("reports the request limits in /api/config", async () => {
      const answer = await call(base, "GET", "/api/config");
      expect(answer.body).toMatchObject({
        maxRequestResponses: 10,
        maxLabelBytes: 4096,
        collectWindowSeconds: 2,
      });
    });

    it("runs the whole flow: create, check, respond with text and a file, collect with a claim, retry, status, revoke", async () => {
      const requester = makeRequester(base);
      const before = Date.now();
      const created = await post(
        "/api/requests",
        createBody(requester, { label: "Your SSH public key, please ✓", maxResponses: 2 }),
      );
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: requester.rid,
        expiresAt: expect.any(String),
        maxResponses: 2,
      });
      isoNear((created.body as { expiresAt: string }).expiresAt, before + 3_600_000);

      // The responder holds only the request link.
      const responder = responderFrom(requester.requestLink);
      expect(responder.rid).toBe(requester.rid);
      const checked = await post(`/api/requests/${responder.rid}/check`, {
        write: responder.write,
      });
      expect(checked.status).toBe(200);
      expect(checked.body).toEqual({
        label: expect.any(String),
        expiresAt: (created.body as { expiresAt: string }).expiresAt,
        responsesLeft: 2,
      });
      expect(responder.openLabel((checked.body as { label: string }).label)).toBe(
        "Your SSH public key, please ✓",
      );

      const file = {
        name: "id_ed25519.pub",
        type: "text/plain",
        bytes: new Uint8Array(Buffer.from("ssh-ed25519 AAAA me@host\n")),
      };
      const sealed = responder.seal("here it is", [file]);
      const responded = await post(`/api/requests/${responder.rid}/responses`, {
        write: responder.write,
        epk: sealed.epk,
        ciphertext: sealed.ciphertext,
      });
      expect([responded.status, responded.body]).toEqual([201, { n: 1, responsesLeft: 1 }]);

      // The requester, from the collect link alone.
      const claim = b64u(nacl.randomBytes(32));
      const collected = await post(`/api/requests/${requester.rid}/collect`, {
        collect: requester.collect,
        claim,
      });
      expect(collected.status).toBe(200);
      const list = collected.body as {
        responses: { n: number; epk: string; ciphertext: string; at: string }[];
        state: string;
      };
      expect(list.state).toBe("open");
      expect(list.responses).toEqual([
        { n: 1, epk: sealed.epk, ciphertext: sealed.ciphertext, at: expect.any(String) },
      ]);
      isoNear(list.responses[0]!.at, Date.now());
      const opened = openAnswer(requester, list.responses[0]!);
      expect(opened.header).toEqual({
        v: 1,
        text: "here it is",
        files: [{ name: "id_ed25519.pub", type: "text/plain", size: file.bytes.length }],
      });
      expect(opened.files).toEqual([file.bytes]);
      expect(opened.sas).toBe(sealed.sas);
      expect(opened.sas).toMatch(/^\d{6}$/);

      // A retry with the same claim (its answer was lost) gets the same list; without, nothing new.
      expect(
        (
          await post(`/api/requests/${requester.rid}/collect`, {
            collect: requester.collect,
            claim,
          })
        ).body,
      ).toEqual(list);
      expect(
        (await post(`/api/requests/${requester.rid}/collect`, { collect: requester.collect })).body,
      ).toEqual({ responses: [], state: "open" });

      const status = await call(
        base,
        "GET",
        `/api/requests/${requester.rid}`,
        bearer(requester.collect),
      );
      expect(status.status).toBe(200);
      expect(status.body).toEqual({
        id: requester.rid,
        state: "open",
        createdAt: expect.any(String),
        expiresAt: (created.body as { expiresAt: string }).expiresAt,
        maxResponses: 2,
        responsesLeft: 1,
        pending: 0,
        events: [
          { type: "created", at: expect.any(String), ip: "127.0.0.0/24" },
          { type: "responded", at: expect.any(String), ip: "127.0.0.0/24", n: 1 },
          { type: "collected", at: expect.any(String), ip: "127.0.0.0/24", n: [1] },
        ],
      });

      const revoked = await call(
        base,
        "DELETE",
        `/api/requests/${requester.rid}`,
        bearer(requester.collect),
      );
      expect(revoked.status).toBe(204);
      const late = responder.seal("too late");
      const refused = await post(`/api/requests/${responder.rid}/responses`, {
        write: responder.write,
        epk: late.epk,
        ciphertext: late.ciphertext,
      });
      expect(refused.status).toBe(410);
      expect(refused.body).toMatchObject({ error: "gone", reason: "revoked" });
      isoNear((refused.body as { at: string }).at, Date.now());
      expect(
        (await post(`/api/requests/${requester.rid}/collect`, { collect: requester.collect })).body,
      ).toEqual({ responses: [], state: "revoked" });
      expect(
        (await call(base, "DELETE", `/api/requests/${requester.rid}`, bearer(requester.collect)))
          .status,
      ).toBe(204);
      const after = await call(
        base,
        "GET",
        `/api/requests/${requester.rid}`,
        bearer(requester.collect),
      );
      expect((after.body as { events: { type: string }[] }).events.map((e) => e.type)).toEqual([
        "created",
        "responded",
        "collected",
        "revoked",
      ]);
    });

    it("stops taking answers once answered, and says when the last one arrived", async () => {
      const requester = makeRequester(base);
      expect((await post("/api/requests", createBody(requester, { maxResponses: 2 }))).status).toBe(
        201,
      );
      const responder = responderFrom(requester.requestLink);
      const check = await post(`/api/requests/${responder.rid}/check`, { write: responder.write });
      expect(check.body).not.toHaveProperty("label");
      for (const n of [1, 2]) {
        const sealed = responder.seal(`answer ${n}`);
        const answer = await post(`/api/requests/${responder.rid}/responses`, {
          write: responder.write,
          epk: sealed.epk,
          ciphertext: sealed.ciphertext,
        });
        expect(answer.body).toEqual({ n, responsesLeft: 2 - n });
      }
      const lastAt = Date.now();
      const third = responder.seal("answer 3");
      const refused = await post(`/api/requests/${responder.rid}/responses`, {
        write: responder.write,
        epk: third.epk,
        ciphertext: third.ciphertext,
      });
      expect(refused.status).toBe(410);
      expect(refused.body).toEqual({
        error: "gone",
        message: "This request has received all the answers it asked for.",
        reason: "answered",
        at: expect.any(String),
      });
      isoNear((refused.body as { at: string }).at, lastAt);
      expect(
        (await post(`/api/requests/${responder.rid}/check`, { write: responder.write })).body,
      ).toMatchObject({ reason: "answered" });
      const collected = await post(`/api/requests/${requester.rid}/collect`, {
        collect: requester.collect,
      });
      const list = collected.body as {
        responses: { n: number; epk: string; ciphertext: string }[];
        state: string;
      };
      expect(list.state).toBe("answered");
      expect(list.responses.map((r) => [r.n, openAnswer(requester, r).header.text])).toEqual([
        [1, "answer 1"],
        [2, "answer 2"],
      ]);
    });

    it("lets exactly three of twelve concurrent answers to a three-answer request through, numbered 1..3", async () => {
      const requester = makeRequester(base);
      expect((await post("/api/requests", createBody(requester, { maxResponses: 3 }))).status).toBe(
        201,
      );
      const responder = responderFrom(requester.requestLink);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => {
          const sealed = responder.seal(`racer ${i}`);
          return post(`/api/requests/${responder.rid}/responses`, {
            write: responder.write,
            epk: sealed.epk,
            ciphertext: sealed.ciphertext,
          });
        }),
      );
      const winners = answers
        .filter((a) => a.status === 201)
        .map((a) => (a.body as { n: number }).n);
      expect(winners.sort()).toEqual([1, 2, 3]);
      expect(answers.filter((a) => a.status === 410)).toHaveLength(9);
      const collected = await post(`/api/requests/${requester.rid}/collect`, {
        collect: requester.collect,
      });
      expect((collected.body as { responses: unknown[] }).responses).toHaveLength(3);
    });

    it("refuses answers after the expiry but still delivers what arrived, then forgets everything after the retention", async () => {
      const requester = makeRequester(base);
      expect(
        (await post("/api/requests", createBody(requester, { ttlSeconds: 1, maxResponses: 3 })))
          .status,
      ).toBe(201);
      const responder = responderFrom(requester.requestLink);
      const sealed = responder.seal("just in time");
      expect(
        (
          await post(`/api/requests/${responder.rid}/responses`, {
            write: responder.write,
            epk: sealed.epk,
            ciphertext: sealed.ciphertext,
          })
        ).status,
      ).toBe(201);
      await eventually(
        async () =>
          (await post(`/api/requests/${responder.rid}/check`, { write: responder.write }))
            .status === 410,
      );
      const late = responder.seal("too late");
      const refused = await post(`/api/requests/${responder.rid}/responses`, {
        write: responder.write,
        epk: late.epk,
        ciphertext: late.ciphertext,
      });
      expect(refused.body).toMatchObject({ error: "gone", reason: "expired" });
      const status = await call(
        base,
        "GET",
        `/api/requests/${requester.rid}`,
        bearer(requester.collect),
      );
      expect(status.body).toMatchObject({ state: "expired", responsesLeft: 0, pending: 1 });
      const collected = await post(`/api/requests/${requester.rid}/collect`, {
        collect: requester.collect,
      });
      expect(collected.status).toBe(200);
      const list = collected.body as {
        responses: { epk: string; ciphertext: string }[];
        state: string;
      };
      expect(list.state).toBe("expired");
      expect(openAnswer(requester, list.responses[0]!).header.text).toBe("just in time");
      // expiresAt + max(META_RETENTION_SECONDS=1, COLLECT_WINDOW_SECONDS=2): then every call is 404.
      await eventually(
        async () =>
          (await call(base, "GET", `/api/requests/${requester.rid}`, bearer(requester.collect)))
            .status === 404,
      );
      expect(
        (await post(`/api/requests/${requester.rid}/collect`, { collect: requester.collect }))
          .status,
      ).toBe(404);
      expect(
        (await post(`/api/requests/${responder.rid}/check`, { write: responder.write })).status,
      ).toBe(404);
    });

    it("stores and logs no plaintext, pk, R, sk, proof, claim or label key", async () => {
      const requester = makeRequester(base);
      const label = `label-${randomBytes(8).toString("hex")}`;
      expect(
        (await post("/api/requests", createBody(requester, { label, maxResponses: 2 }))).status,
      ).toBe(201);
      const responder = responderFrom(requester.requestLink);
      const plaintext = `plaintext-${randomBytes(8).toString("hex")}`;
      const sealed = responder.seal(plaintext);
      await post(`/api/requests/${responder.rid}/responses`, {
        write: responder.write,
        epk: sealed.epk,
        ciphertext: sealed.ciphertext,
      });
      const claim = b64u(nacl.randomBytes(32));
      await post(`/api/requests/${requester.rid}/collect`, { collect: requester.collect, claim });
      const second = responder.seal(plaintext);
      await post(`/api/requests/${responder.rid}/responses`, {
        write: responder.write,
        epk: second.epk,
        ciphertext: second.ciphertext,
      });
      const secrets = [
        label,
        plaintext,
        b64u(requester.pk),
        b64u(requester.R),
        b64u(requester.sk),
        responder.write,
        requester.collect,
        claim,
        b64u(derive("request/label", requester.pk)),
        requester.requestLink,
        requester.collectLink,
      ];
      for (const value of secrets) expect(server.output()).not.toContain(value);
      expect(server.output()).not.toContain(requester.rid);
      if (redis) {
        const inspector = createClient({ url: redis.url, RESP: 2 });
        await inspector.connect();
        try {
          const keys = await inspector.keys(`${KEY_PREFIX}:{${requester.rid}}:*`);
          expect(keys.length).toBeGreaterThanOrEqual(2);
          const values: string[] = [...keys];
          for (const key of keys) {
            // The outbox (issue 14 §1) is a list; everything else of a request is a hash.
            if ((await inspector.type(key)) === "list") values.push(...(await inspector.lRange(key, 0, -1)));
            else values.push(...Object.entries(await inspector.hGetAll(key)).flat());
          }
          const everything = values.join("\n");
          expect(everything).toContain(sealed.epk);
          for (const value of secrets) expect(everything).not.toContain(value);
          for (const bytes of [requester.pk, requester.R]) {
            expect(everything).not.toContain(Buffer.from(bytes).toString("hex"));
            expect(everything).not.toContain(Buffer.from(bytes).toString("base64"));
          }
        } finally {
          await inspector.close();
        }
      }
    });

    it("interoperates both ways with lib/crypto and the lib/api client", async () => {
      const api = createApiClient(base);
      // Made with lib/crypto, answered by the black-box client, collected with lib/crypto.
      const sealedRequest = sealRequest({ label: "from lib/crypto" });
      await api.createRequest({
        id: sealedRequest.id,
        writeVerifier: sealedRequest.writeVerifier,
        collectVerifier: sealedRequest.collectVerifier,
        label: sealedRequest.label!,
        ttlSeconds: 600,
        maxResponses: 1,
      });
      const responder = responderFrom(`${base}/r#r${b64u(sealedRequest.publicKey)}`);
      const check = await api.checkRequest(responder.rid, responder.write);
      expect(responder.openLabel(check.label!)).toBe("from lib/crypto");
      const sealed = responder.seal("from the black box");
      expect(
        await api.respondToRequest(responder.rid, {
          write: responder.write,
          epk: sealed.epk,
          ciphertext: sealed.ciphertext,
        }),
      ).toEqual({ n: 1, responsesLeft: 0 });
      const proofs = collectLinkProofs(sealedRequest.collectKey);
      const collected = await api.collectResponses(proofs.id, proofs.collect);
      expect(openResponse(collected.responses[0]!, proofs.secretKey)).toEqual({
        content: { text: "from the black box" },
        sas: sealed.sas,
      });

      // Made by the black-box client, answered with lib/crypto, collected by the black box.
      const requester = makeRequester(base);
      expect(
        (await post("/api/requests", createBody(requester, { label: "from the black box" })))
          .status,
      ).toBe(201);
      const link = parseRequestLink(requester.requestLink);
      const linkProofs = requestLinkProofs(link.publicKey);
      expect(
        openLabel(
          (await api.checkRequest(linkProofs.id, linkProofs.write)).label!,
          linkProofs.labelKey,
        ),
      ).toBe("from the black box");
      const answer = sealResponse({ text: "from lib/crypto" }, link.publicKey);
      await api.respondToRequest(linkProofs.id, {
        write: linkProofs.write,
        epk: answer.epk,
        ciphertext: answer.ciphertext,
      });
      const list = await api.collectResponses(requester.rid, requester.collect);
      const opened = openAnswer(requester, list.responses[0]!);
      expect([opened.header.text, opened.sas]).toEqual(["from lib/crypto", answer.sas]);
      expect((await api.requestStatus(requester.rid, requester.collect)).state).toBe("answered");
      await expect(api.revokeRequest(requester.rid, requester.collect)).resolves.toBeUndefined();
    });
  },
);

describe("collect with claims turned off (REVEAL_GRACE_SECONDS=0)", () => {
  let server: NextServer;

  beforeAll(async () => {
    server = await startNextServer({ env: { REVEAL_GRACE_SECONDS: "0" } });
  }, SERVER_START_TIMEOUT_MS);

  afterAll(async () => {
    await server?.stop();
  });

  it("still refuses a malformed claim, then ignores a valid one: its retry is a new, empty collect", async () => {
    const requester = makeRequester(server.url);
    expect(
      (
        await call(server.url, "POST", "/api/requests", {
          json: createBody(requester, { maxResponses: 2 }),
        })
      ).status,
    ).toBe(201);
    const responder = responderFrom(requester.requestLink);
    const sealed = responder.seal("once");
    await call(server.url, "POST", `/api/requests/${responder.rid}/responses`, {
      json: { write: responder.write, epk: sealed.epk, ciphertext: sealed.ciphertext },
    });
    const path = `/api/requests/${requester.rid}/collect`;
    const malformed = await call(server.url, "POST", path, {
      json: { collect: requester.collect, claim: "A".repeat(42) },
    });
    expect([malformed.status, malformed.body]).toEqual([
      400,
      { error: "invalid_request", message: "claim: must be 43 base64url characters" },
    ]);
    const claim = b64u(nacl.randomBytes(32));
    const first = await call(server.url, "POST", path, {
      json: { collect: requester.collect, claim },
    });
    expect((first.body as { responses: unknown[] }).responses).toHaveLength(1);
    const retry = await call(server.url, "POST", path, {
      json: { collect: requester.collect, claim },
    });
    expect(retry.body).toEqual({ responses: [], state: "open" });
  });
});
