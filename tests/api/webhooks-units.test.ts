/**
 * The pure parts of the webhook outlet: the §9 fingerprint and payload, the webhook-id, the
 * Standard Webhooks signature (checked against the reference library's own signer), the
 * retry schedule and Retry-After, and the sealing of per-secret targets.
 */
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { fingerprintOf } from "@/lib/server/events/fingerprint";
import type { BurnlinkEvent } from "@/lib/server/events/types";
import { MAX_RETRY_AFTER_MS, nextDelayMs, RETRY_SCHEDULE_MS, retryAfterMs } from "@/lib/server/webhooks/backoff";
import { openNotifyTarget, sealNotifyTarget } from "@/lib/server/webhooks/notify";
import { webhookBodyOf, webhookIdOf, webhookPayloadOf } from "@/lib/server/webhooks/payload";
import { signWebhook } from "@/lib/server/webhooks/signature";
import { jobsFor } from "@/lib/server/webhooks/sink";
import { parseServerConfig } from "@/lib/server/config";

const KEY = "audit-key-for-vectors";
const whsec = () => `whsec_${randomBytes(32).toString("base64")}`;

const event = (overrides: Partial<BurnlinkEvent> = {}): BurnlinkEvent => ({
  type: "secret.viewed",
  subject: "secret",
  id: "AAAAAAAAAAAAAAAAAAAAAA",
  seq: 2,
  atMs: Date.UTC(2027, 0, 15, 8, 0, 0),
  ...overrides,
});

describe("the §9 fingerprint and payload", () => {
  it("is b64u(HMAC-SHA256(utf8(key), utf8(id)))[0..22] (vector computed with Python's hmac)", () => {
    expect(fingerprintOf("AAAAAAAAAAAAAAAAAAAAAA", KEY)).toBe("hBpudPPJT19YijEzvm7TO9");
    expect(fingerprintOf("AAAAAAAAAAAAAAAAAAAAAA", `${KEY}x`)).not.toBe("hBpudPPJT19YijEzvm7TO9");
  });

  it("carries only the §9 fields: never notify, n or anything else an event holds", () => {
    const full = event({
      type: "request.collected",
      subject: "request",
      ip: "203.0.113.0/24",
      creator: { kind: "sso", issuer: "https://idp.example", subject: "u1", email: "a@example.com" },
      n: [1, 2],
      notify: "v1.sealed",
    });
    expect(webhookPayloadOf(full, KEY)).toEqual({
      type: "request.collected",
      timestamp: "2027-01-15T08:00:00.000Z",
      data: {
        request: fingerprintOf(full.id, KEY),
        at: "2027-01-15T08:00:00.000Z",
        ip: "203.0.113.0/24",
        creator: { kind: "sso", issuer: "https://idp.example", subject: "u1", email: "a@example.com" },
      },
    });
    expect(webhookBodyOf(full, KEY)).not.toContain(full.id);
    expect(webhookPayloadOf(event(), KEY, true).data.id).toBe("AAAAAAAAAAAAAAAAAAAAAA");
  });

  it("always says how many attempts a wrong_passphrase or ip_blocked event covers", () => {
    expect(webhookPayloadOf(event({ type: "secret.ip_blocked" }), KEY).data).toMatchObject({ count: 1, firstAt: "2027-01-15T08:00:00.000Z", lastAt: "2027-01-15T08:00:00.000Z" });
    expect(webhookPayloadOf(event({ type: "secret.wrong_passphrase", count: 4, lastAtMs: Date.UTC(2027, 0, 15, 9) }), KEY).data).toMatchObject({
      count: 4,
      lastAt: "2027-01-15T09:00:00.000Z",
    });
  });

  it("derives a webhook-id stable for one (target, event) and different for another target, seq or count", () => {
    const id = webhookIdOf(event(), "target-a");
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
    expect(webhookIdOf(event(), "target-a")).toBe(id);
    for (const other of [webhookIdOf(event(), "target-b"), webhookIdOf(event({ seq: 3 }), "target-a"), webhookIdOf(event({ count: 2 }), "target-a")]) {
      expect(other).not.toBe(id);
    }
    expect(id).not.toContain("AAAAAAAAAAAA");
  });
});

describe("Standard Webhooks signatures", () => {
  it("matches a known answer and the reference library's own signer, one v1 signature per secret", () => {
    const fixed = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    expect(signWebhook("msg_abc", 1_700_000_000, '{"a":1}', [fixed])).toEqual({
      "webhook-id": "msg_abc",
      "webhook-timestamp": "1700000000",
      "webhook-signature": "v1,DZ0IdnohQvppHQvmirwlcqEUIiuAHRnAoD1dPAWBFXg=",
    });
    const [a, b] = [whsec(), whsec()];
    const signed = signWebhook("msg_x", 1_800_000_000.7, "{}", [a, b]);
    const reference = (secret: string) => new Webhook(secret).sign("msg_x", new Date(1_800_000_000_000), "{}");
    expect(signed["webhook-signature"]).toBe(`${reference(a)} ${reference(b)}`);
    expect(signed["webhook-timestamp"]).toBe("1800000000");
  });
});

describe("the retry schedule", () => {
  it("follows 0, 5 s, 1 min, 5 min, 30 min, 2 h, … and spans about two days", () => {
    expect(RETRY_SCHEDULE_MS.slice(0, 6)).toEqual([0, 5_000, 60_000, 300_000, 1_800_000, 7_200_000]);
    const totalHours = RETRY_SCHEDULE_MS.reduce((sum, ms) => sum + ms, 0) / 3_600_000;
    expect(totalHours).toBeGreaterThan(44);
    expect(totalHours).toBeLessThan(52);
  });

  it("jitters by at most ±10 %, lets a later Retry-After win, and ends when the schedule is spent", () => {
    expect(nextDelayMs(1, RETRY_SCHEDULE_MS, () => 0)).toBe(4_500);
    expect(nextDelayMs(1, RETRY_SCHEDULE_MS, () => 0.999_999)).toBe(5_500);
    expect(nextDelayMs(2, RETRY_SCHEDULE_MS, () => 0.5)).toBe(60_000);
    expect(nextDelayMs(1, RETRY_SCHEDULE_MS, () => 0.5, 30_000)).toBe(30_000);
    expect(nextDelayMs(2, RETRY_SCHEDULE_MS, () => 0.5, 1_000)).toBe(60_000);
    expect(nextDelayMs(RETRY_SCHEDULE_MS.length, RETRY_SCHEDULE_MS, () => 0.5)).toBeNull();
  });

  it("reads Retry-After as delta-seconds or an HTTP date, capped at a day, and ignores anything else", () => {
    const now = Date.UTC(2027, 0, 15, 8);
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("Fri, 15 Jan 2027 08:02:00 GMT", now)).toBe(120_000);
    expect(retryAfterMs("Thu, 14 Jan 2027 08:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("99999999", now)).toBe(MAX_RETRY_AFTER_MS);
    for (const junk of ["soon", "-5", "1.5", "", "2027-01-15"]) expect(retryAfterMs(junk, now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe("sealed per-secret targets", () => {
  const target = { url: "https://hooks.example/private-path?token=abc", events: ["secret.viewed" as const], includeId: true };

  it("opens what it sealed, with the old secret still listed after a rotation, and never shows the URL", () => {
    const [old, next] = [whsec(), whsec()];
    const sealed = sealNotifyTarget(target, [old]);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("hooks.example");
    expect(openNotifyTarget(sealed, [old])).toEqual(target);
    expect(openNotifyTarget(sealed, [next, old])).toEqual(target);
    expect(sealNotifyTarget(target, [old])).not.toBe(sealed);
  });

  it("opens nothing that was tampered with or sealed under another secret", () => {
    const secret = whsec();
    const sealed = sealNotifyTarget(target, [secret]);
    const bytes = Buffer.from(sealed.slice(3), "base64url");
    bytes[20]! ^= 1;
    expect(openNotifyTarget(`v1.${bytes.toString("base64url")}`, [secret])).toBeNull();
    expect(openNotifyTarget(sealed, [whsec()])).toBeNull();
    expect(openNotifyTarget("v2.abc", [secret])).toBeNull();
    expect(openNotifyTarget("v1.", [secret])).toBeNull();
  });

  it("makes a notify job only for the events its creator asked for, and none when the target cannot be opened", () => {
    const secret = whsec();
    const config = parseServerConfig({ WEBHOOK_NOTIFY_SECRET: secret }).webhooks;
    const sealed = sealNotifyTarget(target, [secret]);
    expect(jobsFor([event({ notify: sealed })], { config, auditHashKey: KEY }, 0)).toHaveLength(1);
    expect(jobsFor([event({ type: "secret.burned", notify: sealed })], { config, auditHashKey: KEY }, 0)).toHaveLength(0);
    expect(jobsFor([event({ notify: sealNotifyTarget(target, [whsec()]) })], { config, auditHashKey: KEY }, 0)).toHaveLength(0);
  });
});
