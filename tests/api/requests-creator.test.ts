/**
 * Issue 13 §4 for requests, through the real Next server (PROTOCOL.md §7, §8): a request
 * created with a token records its creator; the status answer shows it (never the token's
 * kid) and, only when the operator sets SHOW_SENDER=1, the check answer vouches for it as
 * `sender.name`. An anonymous request shows neither.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectLinkProofs, requestLinkProofs, sealRequest } from "@/lib/crypto";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { call } from "./support";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const KID = "ReqBot01";
const TOKEN = `blt_${KID}_${randomBytes(32).toString("base64url")}`;
const TOKENS = `requests-bot:requests:create:${sha256(TOKEN)}`;

let showing: NextServer;
let silent: NextServer;

beforeAll(async () => {
  [showing, silent] = await Promise.all([
    startNextServer({ env: { CREATE_POLICY: "token", SHOW_SENDER: "1", API_TOKENS: TOKENS } }),
    startNextServer({ env: { CREATE_POLICY: "open", API_TOKENS: TOKENS } }),
  ]);
}, SERVER_START_TIMEOUT_MS * 2);

afterAll(async () => {
  await Promise.all([showing?.stop(), silent?.stop()]);
});

/** Creates a request on `base` (with the token when asked) and returns its two link proofs. */
async function createRequest(base: string, withToken: boolean) {
  const sealed = sealRequest({ label: "send me the deploy key" });
  const created = await call(base, "POST", "/api/requests", {
    json: { id: sealed.id, writeVerifier: sealed.writeVerifier, collectVerifier: sealed.collectVerifier, label: sealed.label, ttlSeconds: 3600, maxResponses: 1 },
    headers: withToken ? { authorization: `Bearer ${TOKEN}` } : {},
  });
  expect(created.status).toBe(201);
  return { id: sealed.id, write: requestLinkProofs(sealed.publicKey).write, collect: collectLinkProofs(sealed.collectKey).collect };
}

const check = (base: string, request: { id: string; write: string }) =>
  call(base, "POST", `/api/requests/${request.id}/check`, { json: { write: request.write } });
const status = (base: string, request: { id: string; collect: string }) =>
  call(base, "GET", `/api/requests/${request.id}`, { headers: { authorization: `Bearer ${request.collect}` } });

describe("CREATE_POLICY=token with SHOW_SENDER=1", () => {
  it("shows the token's name as the sender in check, and the creator without its kid in status", async () => {
    const request = await createRequest(showing.url, true);
    const checked = await check(showing.url, request);
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ responsesLeft: 1, sender: { name: "requests-bot" } });
    const answer = await status(showing.url, request);
    expect(answer.status).toBe(200);
    expect((answer.body as { creator?: unknown }).creator).toEqual({ kind: "token", name: "requests-bot" });
    expect(JSON.stringify(answer.body)).not.toContain(KID);
  });

  it("refuses an anonymous create, so no request there lacks a creator", async () => {
    const sealed = sealRequest();
    const answer = await call(showing.url, "POST", "/api/requests", {
      json: { id: sealed.id, writeVerifier: sealed.writeVerifier, collectVerifier: sealed.collectVerifier, ttlSeconds: 3600, maxResponses: 1 },
    });
    expect([answer.status, (answer.body as { error: string }).error]).toEqual([401, "auth_required"]);
  });
});

describe("without SHOW_SENDER", () => {
  it("keeps the sender out of check but still shows the creator in status", async () => {
    const request = await createRequest(silent.url, true);
    const checked = await check(silent.url, request);
    expect(checked.status).toBe(200);
    expect(checked.body).not.toHaveProperty("sender");
    expect((await status(silent.url, request)).body).toMatchObject({ creator: { kind: "token", name: "requests-bot" } });
  });

  it("shows neither for an anonymous request", async () => {
    const request = await createRequest(silent.url, false);
    expect((await check(silent.url, request)).body).not.toHaveProperty("sender");
    expect((await status(silent.url, request)).body).not.toHaveProperty("creator");
  });
});
