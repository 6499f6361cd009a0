/**
 * The hostile-input battery of issue 4: well over 100 hostile requests against the real
 * production server (lib/server/start.mjs, memory store), each sent byte for byte over a
 * TCP socket and pinned to the exact status and error code of PROTOCOL.md §4. None may
 * answer 5xx, and none may change the secrets it aims at: their status (state, views,
 * failures, events) is the same before and after the battery.
 *
 * Rate limits are off here (their own tests are in rate-limits.test.ts), so every case
 * reaches the check it is about.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessProof, manageToken, revealProofs } from "@/lib/crypto";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";
import { makeSecret, zeroBase64url, type TestSecret } from "../api/support";
import { rawSocketRequest, type RawReply } from "./support";

const MAX_SECRET_BYTES = 4096;
const MAX_CIPHERTEXT_BYTES = MAX_SECRET_BYTES + 40;
const MAX_ALLOWED_IPS = 20;
/** createBodyMaxBytes() in lib/server/http.ts for these limits. */
const CREATE_BODY_MAX_BYTES = Math.ceil((MAX_CIPHERTEXT_BYTES * 4) / 3) + 8192 + MAX_ALLOWED_IPS * 80;
const SMALL_BODY_MAX_BYTES = 4096;
const PASSPHRASE = "hunter2 but longer";

let server: NextServer;
/** The secret every case aims at: passphrase, 5 views. */
let target: TestSecret;
let targetAccess: string;
let targetUnlock: string;
let targetManage: string;
/** Same, restricted to 203.0.113.7, for the forged forwarding headers. */
let fenced: TestSecret;
let fencedAccess: string;
let fencedManage: string;
/** A valid create body for a fresh secret (never stored by the battery unless a case says so). */
let fresh: Record<string, unknown>;

interface Case {
  name: string;
  method: string;
  path: string | (() => string);
  headers?: Record<string, string> | (() => Record<string, string>);
  /** A JSON value (sent with Content-Type: application/json), or raw bytes/text. */
  json?: () => unknown;
  raw?: string | Buffer | (() => string | Buffer);
  /** Replaces the Content-Length the helper would compute; null sends none. */
  contentLength?: string | null;
  /** Sends the body with Transfer-Encoding: chunked, in these chunk sizes. */
  chunked?: boolean;
  status: number;
  /** The protocol error code; null when the request never reaches the API (Node's parser refuses it). */
  code: string | null;
}

const targetPath = (suffix = "") => `/api/secrets/${target.sealed.id}${suffix}`;
const fencedPath = (suffix = "") => `/api/secrets/${fenced.sealed.id}${suffix}`;
const bearer = () => ({ authorization: `Bearer ${targetManage}` });
const json = "application/json";

function toChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += 1000) {
    const piece = body.subarray(offset, offset + 1000);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(parts);
}

function requestBytes(test: Case): Buffer {
  const path = typeof test.path === "function" ? test.path() : test.path;
  const headers: Record<string, string> = {
    host: "127.0.0.1",
    connection: "close",
    ...(test.json ? { "content-type": json } : {}),
    ...(typeof test.headers === "function" ? test.headers() : test.headers),
  };
  const rawBody = typeof test.raw === "function" ? test.raw() : test.raw;
  let body: Buffer | undefined = test.json ? Buffer.from(JSON.stringify(test.json())) : rawBody === undefined ? undefined : Buffer.from(rawBody);
  if (test.chunked && body) {
    headers["transfer-encoding"] = "chunked";
    body = toChunked(body);
  } else if (test.contentLength !== null && (body || test.contentLength !== undefined)) {
    headers["content-length"] = test.contentLength ?? String(body?.length ?? 0);
  }
  const head = [`${test.method} ${path} HTTP/1.1`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)].join("\r\n");
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, "latin1"), body ?? Buffer.alloc(0)]);
}

const validCheck = () => ({ access: targetAccess });
const createWith = (changes: Record<string, unknown>) => () => ({ ...fresh, ...changes });
const b64 = (bytes: number) => zeroBase64url(bytes);
/** A canonical b64u string of 32 bytes whose last character carries non-zero trailing bits. */
const nonCanonical43 = `${"A".repeat(42)}B`;

const cases: Case[] = [
  // Oversized bodies, with and without Content-Length, chunked.
  { name: "a create body one byte over the cap", method: "POST", path: "/api/secrets", raw: () => `{"x":"${"a".repeat(CREATE_BODY_MAX_BYTES)}"}`, headers: { "content-type": json }, status: 413, code: "too_large" },
  { name: "a create body over the cap, chunked without Content-Length", method: "POST", path: "/api/secrets", raw: () => `{"x":"${"a".repeat(CREATE_BODY_MAX_BYTES)}"}`, headers: { "content-type": json }, chunked: true, status: 413, code: "too_large" },
  { name: "a body with neither Content-Length nor chunking (the bytes are a second, broken request)", method: "POST", path: "/api/secrets", raw: () => `{"x":"${"a".repeat(CREATE_BODY_MAX_BYTES)}"}`, headers: { "content-type": json }, contentLength: null, status: 400, code: null },
  { name: "a Content-Length of a gigabyte with a tiny body", method: "POST", path: "/api/secrets", raw: "{}", headers: { "content-type": json }, contentLength: "1000000000", status: 413, code: "too_large" },
  { name: "a Content-Length beyond 2^64", method: "POST", path: "/api/secrets", raw: "{}", headers: { "content-type": json }, contentLength: "99999999999999999999", status: 400, code: null },
  { name: "a Content-Length shorter than the body (the rest is a broken second request)", method: "POST", path: "/api/secrets", json: () => fresh, contentLength: "5", status: 400, code: null },
  { name: "a Content-Length of zero with a body", method: "POST", path: "/api/secrets", json: () => fresh, contentLength: "0", status: 400, code: null },
  { name: "a Content-Length of zero and no body", method: "POST", path: "/api/secrets", headers: { "content-type": json }, contentLength: "0", status: 400, code: "invalid_request" },
  { name: "a check body over 4 KiB", method: "POST", path: () => targetPath("/check"), raw: () => `{"access":"${"A".repeat(SMALL_BODY_MAX_BYTES)}"}`, headers: { "content-type": json }, status: 413, code: "too_large" },
  { name: "a reveal body over 4 KiB, chunked", method: "POST", path: () => targetPath("/reveal"), raw: () => `{"access":"${"A".repeat(SMALL_BODY_MAX_BYTES)}"}`, headers: { "content-type": json }, chunked: true, status: 413, code: "too_large" },
  { name: "a check Content-Length of a megabyte", method: "POST", path: () => targetPath("/check"), raw: "{}", headers: { "content-type": json }, contentLength: "1048576", status: 413, code: "too_large" },
  { name: "a create body without a ciphertext", method: "POST", path: "/api/secrets", json: createWith({ ciphertext: undefined }), status: 400, code: "invalid_request" },
  { name: "a ciphertext of maxCiphertextBytes + 1 decoded bytes", method: "POST", path: "/api/secrets", json: () => ({ ...fresh, ciphertext: b64(MAX_CIPHERTEXT_BYTES + 1) }), status: 413, code: "too_large" },
  { name: "a ciphertext too short to be padded", method: "POST", path: "/api/secrets", json: () => ({ ...fresh, ciphertext: b64(24 + 16 + 1023) }), status: 400, code: "invalid_request" },
  { name: "a malformed chunk size", method: "POST", path: "/api/secrets", raw: "zz\r\n{}\r\n0\r\n\r\n", headers: { "content-type": json, "transfer-encoding": "chunked" }, contentLength: null, status: 400, code: null },
  { name: "both Content-Length and chunked (request smuggling shape)", method: "POST", path: "/api/secrets", raw: "2\r\n{}\r\n0\r\n\r\n", headers: { "content-type": json, "transfer-encoding": "chunked" }, contentLength: "4", status: 400, code: null },
  { name: "a non-numeric Content-Length", method: "POST", path: "/api/secrets", raw: "{}", headers: { "content-type": json }, contentLength: "abc", status: 400, code: null },

  // Content types.
  { name: "no Content-Type", method: "POST", path: "/api/secrets", raw: () => JSON.stringify(fresh), status: 415, code: "unsupported_media_type" },
  { name: "text/plain", method: "POST", path: "/api/secrets", raw: () => JSON.stringify(fresh), headers: { "content-type": "text/plain" }, status: 415, code: "unsupported_media_type" },
  { name: "a form post", method: "POST", path: "/api/secrets", raw: "id=x", headers: { "content-type": "application/x-www-form-urlencoded" }, status: 415, code: "unsupported_media_type" },
  { name: "multipart", method: "POST", path: "/api/secrets", raw: "--b--", headers: { "content-type": "multipart/form-data; boundary=b" }, status: 415, code: "unsupported_media_type" },
  { name: "JSON in another charset", method: "POST", path: "/api/secrets", raw: () => JSON.stringify(fresh), headers: { "content-type": "application/json; charset=latin1" }, status: 415, code: "unsupported_media_type" },
  { name: "a JSON look-alike type", method: "POST", path: "/api/secrets", raw: () => JSON.stringify(fresh), headers: { "content-type": "application/json-patch+json" }, status: 415, code: "unsupported_media_type" },
  { name: "an extra media type parameter", method: "POST", path: () => targetPath("/check"), raw: () => JSON.stringify(validCheck()), headers: { "content-type": "application/json; boundary=x" }, status: 415, code: "unsupported_media_type" },
  { name: "an empty Content-Type on check", method: "POST", path: () => targetPath("/check"), raw: () => JSON.stringify(validCheck()), headers: { "content-type": "" }, status: 415, code: "unsupported_media_type" },
  { name: "text/html on reveal", method: "POST", path: () => targetPath("/reveal"), raw: "<script>alert(1)</script>", headers: { "content-type": "text/html" }, status: 415, code: "unsupported_media_type" },

  // Bodies that are not JSON, not UTF-8, or not objects.
  { name: "an empty body", method: "POST", path: "/api/secrets", raw: "", headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "truncated JSON", method: "POST", path: "/api/secrets", raw: '{"id":', headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "invalid UTF-8 inside a string", method: "POST", path: "/api/secrets", raw: Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "an overlong UTF-8 encoding of a quote", method: "POST", path: () => targetPath("/check"), raw: Buffer.from([0x7b, 0xc0, 0xa2, 0x7d]), headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "a lone UTF-16 surrogate encoded in UTF-8", method: "POST", path: () => targetPath("/check"), raw: Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "UTF-16 JSON", method: "POST", path: () => targetPath("/check"), raw: () => Buffer.from(JSON.stringify(validCheck()), "utf16le"), headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "JSON with a trailing comma", method: "POST", path: () => targetPath("/check"), raw: () => `{"access":"${targetAccess}",}`, headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "two JSON documents", method: "POST", path: () => targetPath("/check"), raw: () => `${JSON.stringify(validCheck())}{}`, headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "JSON null", method: "POST", path: () => targetPath("/check"), json: () => null, status: 400, code: "invalid_request" },
  { name: "a JSON array", method: "POST", path: () => targetPath("/check"), json: () => [validCheck()], status: 400, code: "invalid_request" },
  { name: "a JSON string", method: "POST", path: "/api/secrets", json: () => "secret", status: 400, code: "invalid_request" },
  { name: "a JSON number", method: "POST", path: "/api/secrets", json: () => 42, status: 400, code: "invalid_request" },
  { name: "NaN as a bare word", method: "POST", path: "/api/secrets", raw: () => JSON.stringify(fresh).replace(/"maxViews":\d+/, '"maxViews":NaN'), headers: { "content-type": json }, status: 400, code: "invalid_request" },

  // Invalid, truncated and non-canonical base64url; wrong lengths.
  { name: "an access proof with + and /", method: "POST", path: () => targetPath("/check"), json: () => ({ access: `${"+/".repeat(21)}A` }), status: 400, code: "invalid_request" },
  { name: "an access proof with padding", method: "POST", path: () => targetPath("/check"), json: () => ({ access: `${targetAccess}=` }), status: 400, code: "invalid_request" },
  { name: "a non-canonical access proof", method: "POST", path: () => targetPath("/check"), json: () => ({ access: nonCanonical43 }), status: 400, code: "invalid_request" },
  { name: "an access proof of 42 characters", method: "POST", path: () => targetPath("/check"), json: () => ({ access: targetAccess.slice(0, 42) }), status: 400, code: "invalid_request" },
  { name: "an access proof of 44 characters", method: "POST", path: () => targetPath("/check"), json: () => ({ access: `${targetAccess}A` }), status: 400, code: "invalid_request" },
  { name: "an empty access proof", method: "POST", path: () => targetPath("/check"), json: () => ({ access: "" }), status: 400, code: "invalid_request" },
  { name: "a missing access proof", method: "POST", path: () => targetPath("/check"), json: () => ({}), status: 400, code: "invalid_request" },
  { name: "an access proof that is null", method: "POST", path: () => targetPath("/check"), json: () => ({ access: null }), status: 400, code: "invalid_request" },
  { name: "an access proof that is an array", method: "POST", path: () => targetPath("/check"), json: () => ({ access: [targetAccess] }), status: 400, code: "invalid_request" },
  { name: "an access proof with whitespace", method: "POST", path: () => targetPath("/check"), json: () => ({ access: ` ${targetAccess.slice(1)}` }), status: 400, code: "invalid_request" },
  { name: "the right access with an empty unlock", method: "POST", path: () => targetPath("/reveal"), json: () => ({ access: targetAccess, unlock: "" }), status: 400, code: "invalid_request" },
  { name: "the right access with a missing unlock", method: "POST", path: () => targetPath("/reveal"), json: () => ({ access: targetAccess }), status: 400, code: "invalid_request" },
  { name: "the right access with a truncated unlock", method: "POST", path: () => targetPath("/reveal"), json: () => ({ access: targetAccess, unlock: targetUnlock.slice(0, 40) }), status: 400, code: "invalid_request" },
  { name: "the right access with a non-canonical unlock", method: "POST", path: () => targetPath("/reveal"), json: () => ({ access: targetAccess, unlock: nonCanonical43 }), status: 400, code: "invalid_request" },
  { name: "the right access with a standard-base64 unlock", method: "POST", path: () => targetPath("/reveal"), json: () => ({ access: targetAccess, unlock: Buffer.alloc(32, 0xfb).toString("base64").replace(/=+$/, "") }), status: 400, code: "invalid_request" },
  { name: "the right unlock as the access proof (wrong proof, right shape)", method: "POST", path: () => targetPath("/check"), json: () => ({ access: targetUnlock }), status: 404, code: "not_found" },
  { name: "an all-zero access proof", method: "POST", path: () => targetPath("/reveal"), json: () => ({ access: b64(32), unlock: targetUnlock }), status: 404, code: "not_found" },
  { name: "a ciphertext with + characters", method: "POST", path: "/api/secrets", json: () => ({ ...fresh, ciphertext: `+${(fresh.ciphertext as string).slice(1)}` }), status: 400, code: "invalid_request" },
  { name: "a ciphertext of impossible base64 length", method: "POST", path: "/api/secrets", json: () => ({ ...fresh, ciphertext: `${fresh.ciphertext as string}AA` }), status: 400, code: "invalid_request" },
  { name: "a ciphertext with padding", method: "POST", path: "/api/secrets", json: () => ({ ...fresh, ciphertext: `${fresh.ciphertext as string}==` }), status: 400, code: "invalid_request" },
  { name: "a verifier of 42 characters", method: "POST", path: "/api/secrets", json: () => ({ ...fresh, accessVerifier: b64(31) }), status: 400, code: "invalid_request" },
  { name: "an empty unlock verifier", method: "POST", path: "/api/secrets", json: createWith({ unlockVerifier: "" }), status: 400, code: "invalid_request" },
  { name: "a non-canonical manage verifier", method: "POST", path: "/api/secrets", json: createWith({ manageVerifier: nonCanonical43 }), status: 400, code: "invalid_request" },
  { name: "a verifier of 33 bytes", method: "POST", path: "/api/secrets", json: () => ({ ...fresh, manageVerifier: b64(33) }), status: 400, code: "invalid_request" },
  { name: "an id of 21 characters in the body", method: "POST", path: "/api/secrets", json: createWith({ id: "A".repeat(21) }), status: 400, code: "invalid_request" },
  { name: "a non-canonical id in the body", method: "POST", path: "/api/secrets", json: createWith({ id: `${"A".repeat(21)}B` }), status: 400, code: "invalid_request" },
  { name: "the target's id again (a consumed or live link is never re-armed)", method: "POST", path: "/api/secrets", json: () => ({ ...fresh, id: target.sealed.id }), status: 409, code: "id_taken" },

  // Unknown and duplicated fields, __proto__ and constructor.
  { name: "an unknown member on create", method: "POST", path: "/api/secrets", json: createWith({ admin: true }), status: 400, code: "invalid_request" },
  { name: "an unknown member on check", method: "POST", path: () => targetPath("/check"), json: () => ({ ...validCheck(), unlock: targetUnlock }), status: 400, code: "invalid_request" },
  { name: "an unknown member on reveal", method: "POST", path: () => targetPath("/reveal"), json: () => ({ access: targetAccess, unlock: targetUnlock, views: 100 }), status: 400, code: "invalid_request" },
  { name: "a __proto__ member on create", method: "POST", path: "/api/secrets", raw: () => `{"__proto__":{"maxViews":1000},${JSON.stringify(fresh).slice(1)}`, headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "a __proto__ member on check", method: "POST", path: () => targetPath("/check"), raw: () => `{"__proto__":{"access":"${targetAccess}"}}`, headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "a constructor member on reveal", method: "POST", path: () => targetPath("/reveal"), raw: () => `{"constructor":{"prototype":{"ok":1}},"access":"${targetAccess}","unlock":"${targetUnlock}"}`, headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "a prototype member on create", method: "POST", path: "/api/secrets", json: createWith({ prototype: {} }), status: 400, code: "invalid_request" },
  { name: "a duplicated access whose last value is malformed", method: "POST", path: () => targetPath("/check"), raw: () => `{"access":"${targetAccess}","access":"x"}`, headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "a duplicated access whose last value is wrong", method: "POST", path: () => targetPath("/check"), raw: () => `{"access":"${targetAccess}","access":"${b64(32)}"}`, headers: { "content-type": json }, status: 404, code: "not_found" },
  { name: "a duplicated maxViews whose last value is out of range", method: "POST", path: "/api/secrets", raw: () => `${JSON.stringify(fresh).slice(0, -1)},"maxViews":1000}`, headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "a duplicated unlock whose last value is empty", method: "POST", path: () => targetPath("/reveal"), raw: () => `{"access":"${targetAccess}","unlock":"${targetUnlock}","unlock":""}`, headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "a member name differing only by case", method: "POST", path: () => targetPath("/check"), json: () => ({ Access: targetAccess }), status: 400, code: "invalid_request" },

  // Deep nesting.
  { name: "an array nested 2000 deep as the check body", method: "POST", path: () => targetPath("/check"), raw: `${"[".repeat(2000)}${"]".repeat(2000)}`, headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "an object nested 1000 deep as the access proof", method: "POST", path: () => targetPath("/check"), raw: `{"access":${'{"a":'.repeat(600)}1${"}".repeat(600)}}`, headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "arrays nested 7000 deep on create", method: "POST", path: "/api/secrets", raw: `{"allowedIps":${"[".repeat(7000)}${"]".repeat(7000)}}`, headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "unclosed nesting", method: "POST", path: "/api/secrets", raw: "[".repeat(10000), headers: { "content-type": json }, status: 400, code: "invalid_request" },

  // Huge, negative, fractional and string numbers.
  { name: "ttlSeconds of 1e400 (Infinity)", method: "POST", path: "/api/secrets", raw: () => JSON.stringify(fresh).replace(/"ttlSeconds":\d+/, '"ttlSeconds":1e400'), headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "ttlSeconds of 2^64", method: "POST", path: "/api/secrets", json: createWith({ ttlSeconds: 18446744073709551616 }), status: 400, code: "invalid_request" },
  { name: "a negative ttlSeconds", method: "POST", path: "/api/secrets", json: createWith({ ttlSeconds: -3600 }), status: 400, code: "invalid_request" },
  { name: "a fractional ttlSeconds", method: "POST", path: "/api/secrets", json: createWith({ ttlSeconds: 3600.5 }), status: 400, code: "invalid_request" },
  { name: "ttlSeconds as a string", method: "POST", path: "/api/secrets", json: createWith({ ttlSeconds: "3600" }), status: 400, code: "invalid_request" },
  { name: "ttlSeconds below the minimum", method: "POST", path: "/api/secrets", json: createWith({ ttlSeconds: 59 }), status: 400, code: "invalid_request" },
  { name: "ttlSeconds above the maximum", method: "POST", path: "/api/secrets", json: createWith({ ttlSeconds: 8 * 24 * 3600 }), status: 400, code: "invalid_request" },
  { name: "ttlSeconds of -0", method: "POST", path: "/api/secrets", raw: () => JSON.stringify(fresh).replace(/"ttlSeconds":\d+/, '"ttlSeconds":-0'), headers: { "content-type": json }, status: 400, code: "invalid_request" },
  { name: "ttlSeconds in exponent form", method: "POST", path: "/api/secrets", raw: () => JSON.stringify(fresh).replace(/"ttlSeconds":\d+/, '"ttlSeconds":3.6e3'), headers: { "content-type": json }, status: 201, code: null },
  { name: "maxViews of zero", method: "POST", path: "/api/secrets", json: createWith({ maxViews: 0 }), status: 400, code: "invalid_request" },
  { name: "a negative maxViews", method: "POST", path: "/api/secrets", json: createWith({ maxViews: -1 }), status: 400, code: "invalid_request" },
  { name: "maxViews above the maximum", method: "POST", path: "/api/secrets", json: createWith({ maxViews: 11 }), status: 400, code: "invalid_request" },
  { name: "a fractional maxViews", method: "POST", path: "/api/secrets", json: createWith({ maxViews: 1.5 }), status: 400, code: "invalid_request" },
  { name: "maxViews as a string", method: "POST", path: "/api/secrets", json: createWith({ maxViews: "1" }), status: 400, code: "invalid_request" },
  { name: "maxViews as a boolean", method: "POST", path: "/api/secrets", json: createWith({ maxViews: true }), status: 400, code: "invalid_request" },
  { name: "maxViews of Number.MAX_VALUE", method: "POST", path: "/api/secrets", json: createWith({ maxViews: Number.MAX_VALUE }), status: 400, code: "invalid_request" },

  // Allowlists.
  { name: "an empty allowlist", method: "POST", path: "/api/secrets", json: createWith({ allowedIps: [] }), status: 400, code: "invalid_request" },
  { name: "21 allowlist entries", method: "POST", path: "/api/secrets", json: createWith({ allowedIps: Array.from({ length: 21 }, (_, i) => `10.0.0.${i}`) }), status: 400, code: "invalid_request" },
  { name: "an allowlist entry with a space", method: "POST", path: "/api/secrets", json: createWith({ allowedIps: ["10.0.0.1 "] }), status: 400, code: "invalid_request" },
  { name: "an allowlist entry with a zone id", method: "POST", path: "/api/secrets", json: createWith({ allowedIps: ["fe80::1%eth0"] }), status: 400, code: "invalid_request" },
  { name: "a CIDR with host bits set", method: "POST", path: "/api/secrets", json: createWith({ allowedIps: ["192.168.1.5/24"] }), status: 400, code: "invalid_request" },
  { name: "an octal-looking IPv4", method: "POST", path: "/api/secrets", json: createWith({ allowedIps: ["010.0.0.1"] }), status: 400, code: "invalid_request" },
  { name: "a prefix length of 33 on IPv4", method: "POST", path: "/api/secrets", json: createWith({ allowedIps: ["10.0.0.0/33"] }), status: 400, code: "invalid_request" },
  { name: "a hostname in the allowlist", method: "POST", path: "/api/secrets", json: createWith({ allowedIps: ["localhost"] }), status: 400, code: "invalid_request" },
  { name: "a number in the allowlist", method: "POST", path: "/api/secrets", json: createWith({ allowedIps: [2130706433] }), status: 400, code: "invalid_request" },
  { name: "an allowlist that is a string", method: "POST", path: "/api/secrets", json: createWith({ allowedIps: "10.0.0.1" }), status: 400, code: "invalid_request" },

  // Unicode and right-to-left text.
  { name: "an id with a right-to-left override", method: "POST", path: "/api/secrets", json: createWith({ id: `\u202e${"A".repeat(21)}` }), status: 400, code: "invalid_request" },
  { name: "an id of full-width letters", method: "POST", path: "/api/secrets", json: createWith({ id: "Ａ".repeat(22) }), status: 400, code: "invalid_request" },
  { name: "an access proof with a zero-width space", method: "POST", path: () => targetPath("/check"), json: () => ({ access: `${targetAccess.slice(0, 21)}\u200b${targetAccess.slice(22)}` }), status: 400, code: "invalid_request" },
  { name: "an allowlist entry with an RTL override", method: "POST", path: "/api/secrets", json: createWith({ allowedIps: ["\u202e1.0.0.127"] }), status: 400, code: "invalid_request" },
  { name: "an unknown member named in RTL and emoji", method: "POST", path: () => targetPath("/check"), json: () => ({ ...validCheck(), "\u202egnp.exe🔥": 1 }), status: 400, code: "invalid_request" },
  { name: "a ciphertext of emoji", method: "POST", path: "/api/secrets", json: createWith({ ciphertext: "🔥".repeat(800) }), status: 400, code: "invalid_request" },
  { name: "a percent-encoded RTL override as the path id", method: "POST", path: `/api/secrets/%E2%80%AE${"A".repeat(21)}/check`, json: () => ({ access: b64(32) }), status: 404, code: "not_found" },
  { name: "a NUL escape inside a string", method: "POST", path: () => targetPath("/check"), raw: () => `{"access":"${targetAccess.slice(0, 42)}\\u0000"}`, headers: { "content-type": json }, status: 400, code: "invalid_request" },

  // Malformed ids and path tricks.
  { name: "a path id of 21 characters", method: "POST", path: `/api/secrets/${"A".repeat(21)}/check`, json: () => ({ access: b64(32) }), status: 404, code: "not_found" },
  { name: "a path id of 23 characters", method: "POST", path: () => `/api/secrets/${target.sealed.id}A/reveal`, json: () => ({ access: targetAccess, unlock: targetUnlock }), status: 404, code: "not_found" },
  { name: "a non-canonical path id", method: "POST", path: `/api/secrets/${"A".repeat(21)}B/check`, json: () => ({ access: b64(32) }), status: 404, code: "not_found" },
  { name: "a path id with base64 padding", method: "POST", path: () => `/api/secrets/${target.sealed.id.slice(0, 20)}%3D%3D/check`, json: validCheck, status: 404, code: "not_found" },
  { name: "a path id with an encoded slash", method: "POST", path: () => `/api/secrets/${target.sealed.id.slice(0, 11)}%2F${target.sealed.id.slice(12)}/check`, json: validCheck, status: 404, code: "not_found" },
  { name: "a dot-dot path id", method: "GET", path: "/api/secrets/..%2F..%2Fconfig", headers: bearer, status: 404, code: "not_found" },
  { name: "a dot-dot segment to another route", method: "POST", path: () => `/api/secrets/${target.sealed.id}/../../health`, json: validCheck, status: 405, code: "method_not_allowed" },
  { name: "broken percent-encoding in the path", method: "POST", path: "/api/secrets/%ZZ%E0%A4/check", json: () => ({ access: b64(32) }), status: 404, code: "not_found" },
  { name: "an encoded NUL in the path id", method: "GET", path: () => `/api/secrets/${target.sealed.id.slice(0, 21)}%00`, headers: bearer, status: 404, code: "not_found" },
  { name: "an extra path segment after reveal", method: "POST", path: () => targetPath("/reveal/again"), json: () => ({ access: targetAccess, unlock: targetUnlock }), status: 404, code: "not_found" },
  { name: "an unknown action", method: "POST", path: () => targetPath("/burn"), json: validCheck, status: 404, code: "not_found" },
  { name: "an absolute URL in the request line", method: "GET", path: () => `http://evil.example${targetPath()}`, headers: () => ({ authorization: "Bearer x" }), status: 404, code: "not_found" },
  { name: "a query string trying to pass the proof", method: "POST", path: () => `${targetPath("/check")}?access=${targetAccess}`, json: () => ({}), status: 400, code: "invalid_request" },
  { name: "an unknown API endpoint", method: "GET", path: "/api/admin", status: 404, code: "not_found" },

  // Authorization headers.
  { name: "status without Authorization", method: "GET", path: () => targetPath(), status: 404, code: "not_found" },
  { name: "burn without Authorization", method: "DELETE", path: () => targetPath(), status: 404, code: "not_found" },
  { name: "an empty Authorization", method: "DELETE", path: () => targetPath(), headers: { authorization: "" }, status: 404, code: "not_found" },
  { name: "Bearer with no token", method: "DELETE", path: () => targetPath(), headers: { authorization: "Bearer" }, status: 404, code: "not_found" },
  { name: "Bearer with a blank token", method: "DELETE", path: () => targetPath(), headers: { authorization: "Bearer    " }, status: 404, code: "not_found" },
  { name: "the right token with the Basic scheme", method: "DELETE", path: () => targetPath(), headers: () => ({ authorization: `Basic ${targetManage}` }), status: 404, code: "not_found" },
  { name: "the right token without a scheme", method: "DELETE", path: () => targetPath(), headers: () => ({ authorization: targetManage }), status: 404, code: "not_found" },
  { name: "a token of 42 characters", method: "DELETE", path: () => targetPath(), headers: () => ({ authorization: `Bearer ${targetManage.slice(0, 42)}` }), status: 404, code: "not_found" },
  { name: "a token of 44 characters", method: "DELETE", path: () => targetPath(), headers: () => ({ authorization: `Bearer ${targetManage}A` }), status: 404, code: "not_found" },
  { name: "a non-canonical token", method: "DELETE", path: () => targetPath(), headers: { authorization: `Bearer ${nonCanonical43}` }, status: 404, code: "not_found" },
  { name: "the right token followed by junk", method: "DELETE", path: () => targetPath(), headers: () => ({ authorization: `Bearer ${targetManage} x` }), status: 404, code: "not_found" },
  { name: "the right token with standard base64 characters", method: "GET", path: () => targetPath(), headers: () => ({ authorization: `Bearer ${targetManage.replace(/-/g, "+").replace(/_/g, "/").slice(0, 42)}/` }), status: 404, code: "not_found" },
  { name: "an all-zero token", method: "GET", path: () => targetPath(), headers: { authorization: `Bearer ${b64(32)}` }, status: 404, code: "not_found" },
  { name: "the access proof as the manage token", method: "DELETE", path: () => targetPath(), headers: () => ({ authorization: `Bearer ${targetAccess}` }), status: 404, code: "not_found" },
  { name: "the manage verifier instead of the token", method: "DELETE", path: () => targetPath(), headers: () => ({ authorization: `Bearer ${target.request.manageVerifier}` }), status: 404, code: "not_found" },
  { name: "the right token on another secret's id", method: "DELETE", path: () => fencedPath(), headers: bearer, status: 404, code: "not_found" },
  { name: "a token in the query string", method: "DELETE", path: () => `${targetPath()}?token=${targetManage}`, status: 404, code: "not_found" },

  // Unsupported methods.
  { name: "PUT on create", method: "PUT", path: "/api/secrets", json: () => fresh, status: 405, code: "method_not_allowed" },
  { name: "GET on create", method: "GET", path: "/api/secrets", status: 405, code: "method_not_allowed" },
  { name: "DELETE on the collection", method: "DELETE", path: "/api/secrets", status: 405, code: "method_not_allowed" },
  { name: "PATCH on a secret", method: "PATCH", path: () => targetPath(), headers: bearer, json: () => ({ maxViews: 10 }), status: 405, code: "method_not_allowed" },
  { name: "POST on a secret", method: "POST", path: () => targetPath(), headers: bearer, json: () => ({}), status: 405, code: "method_not_allowed" },
  { name: "GET on check", method: "GET", path: () => targetPath("/check"), status: 405, code: "method_not_allowed" },
  { name: "DELETE on reveal", method: "DELETE", path: () => targetPath("/reveal"), headers: bearer, status: 405, code: "method_not_allowed" },
  { name: "TRACE on reveal", method: "TRACE", path: () => targetPath("/reveal"), status: 405, code: "method_not_allowed" },
  { name: "PROPFIND on create", method: "PROPFIND", path: "/api/secrets", status: 405, code: "method_not_allowed" },
  { name: "PURGE on a secret", method: "PURGE", path: () => targetPath(), headers: bearer, status: 405, code: "method_not_allowed" },
  { name: "a lowercase method", method: "delete", path: () => targetPath(), headers: bearer, status: 400, code: null },

  // Forged forwarding headers (TRUST_PROXY=0: the socket address 127.0.0.1 is the client).
  { name: "X-Forwarded-For naming the allowed address", method: "POST", path: () => fencedPath("/check"), headers: { "x-forwarded-for": "203.0.113.7" }, json: () => ({ access: fencedAccess }), status: 403, code: "ip_not_allowed" },
  { name: "a chain of X-Forwarded-For entries ending in the allowed address", method: "POST", path: () => fencedPath("/check"), headers: { "x-forwarded-for": "10.0.0.1, 203.0.113.7" }, json: () => ({ access: fencedAccess }), status: 403, code: "ip_not_allowed" },
  { name: "X-Real-IP naming the allowed address", method: "POST", path: () => fencedPath("/reveal"), headers: { "x-real-ip": "203.0.113.7" }, json: () => ({ access: fencedAccess, unlock: fencedAccess }), status: 403, code: "ip_not_allowed" },
  { name: "Forwarded: for= naming the allowed address", method: "POST", path: () => fencedPath("/check"), headers: { forwarded: "for=203.0.113.7;proto=https" }, json: () => ({ access: fencedAccess }), status: 403, code: "ip_not_allowed" },
  { name: "a forged x-burnlink-peer header", method: "POST", path: () => fencedPath("/check"), headers: { "x-burnlink-peer": "203.0.113.7" }, json: () => ({ access: fencedAccess }), status: 403, code: "ip_not_allowed" },
  { name: "every forwarding header at once, IPv4-mapped", method: "POST", path: () => fencedPath("/check"), headers: { "x-forwarded-for": "::ffff:203.0.113.7", "x-real-ip": "::ffff:203.0.113.7", forwarded: 'for="[::ffff:203.0.113.7]"', "x-burnlink-peer": "203.0.113.7", "x-client-ip": "203.0.113.7", "cf-connecting-ip": "203.0.113.7" }, json: () => ({ access: fencedAccess }), status: 403, code: "ip_not_allowed" },
  { name: "a forged header with a wrong access proof still learns nothing", method: "POST", path: () => fencedPath("/check"), headers: { "x-forwarded-for": "203.0.113.7" }, json: () => ({ access: b64(32) }), status: 404, code: "not_found" },
  { name: "a garbage X-Forwarded-For", method: "POST", path: () => targetPath("/check"), headers: { "x-forwarded-for": "<script>, ../../, 999.1.1.1" }, json: validCheck, status: 200, code: null },
];

interface Snapshot {
  state: string;
  viewsLeft: number;
  failedAttempts: number;
  events: string[];
}

async function snapshot(id: string, token: string): Promise<Snapshot> {
  const response = await fetch(`${server.url}/api/secrets/${id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as Omit<Snapshot, "events"> & { events: { type: string; count?: number }[] };
  // One type per attempt: a coalesced event (PROTOCOL.md §9) stands for `count` of them.
  const events = body.events.flatMap((e) => Array<string>(e.count ?? 1).fill(e.type));
  return { state: body.state, viewsLeft: body.viewsLeft, failedAttempts: body.failedAttempts, events };
}

let targetBefore: Snapshot;
let fencedBefore: Snapshot;

beforeAll(async () => {
  server = await startNextServer({ env: { MAX_SECRET_BYTES: String(MAX_SECRET_BYTES), MAX_ALLOWED_IPS: String(MAX_ALLOWED_IPS) } });
  target = await makeSecret({ passphrase: PASSPHRASE, maxViews: 5 });
  fenced = await makeSecret({ allowedIps: ["203.0.113.7"] });
  for (const secret of [target, fenced]) {
    const created = await fetch(`${server.url}/api/secrets`, {
      method: "POST",
      headers: { "content-type": json },
      body: JSON.stringify(secret.request),
    });
    expect(created.status).toBe(201);
  }
  const proofs = await revealProofs(target.sealed.linkKey, PASSPHRASE);
  targetAccess = proofs.access;
  targetUnlock = proofs.unlock;
  targetManage = manageToken(target.sealed.manageKey);
  fencedAccess = accessProof(fenced.sealed.linkKey).access;
  fencedManage = manageToken(fenced.sealed.manageKey);
  fresh = { ...(await makeSecret()).request };
  targetBefore = await snapshot(target.sealed.id, targetManage);
  fencedBefore = await snapshot(fenced.sealed.id, fencedManage);
}, SERVER_START_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
});

describe("the hostile-request battery", () => {
  it("holds more than 100 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((test) => test.name)).size).toBe(cases.length);
  });

  it.each(cases.map((test) => [test.name, test] as const))("%s", async (_name, test) => {
    const reply: RawReply = await rawSocketRequest(server.url, requestBytes(test));
    expect(reply.status, reply.text.slice(0, 300)).toBeLessThan(500);
    expect(reply.status, reply.text.slice(0, 300)).toBe(test.status);
    if (test.code !== null) {
      expect(reply.body).toMatchObject({ error: test.code });
      expect((reply.body as { message?: unknown }).message).toBeTypeOf("string");
    }
    const path = typeof test.path === "function" ? test.path() : test.path;
    // code null: Node's HTTP parser refused the bytes before any route saw them.
    if (path.includes("/api") && test.code !== null) {
      expect(reply.headers["cache-control"], "API answers are never cached").toBe("no-store");
    }
    if (test.code === "method_not_allowed") expect(reply.headers.allow).toMatch(/OPTIONS/);
    if (test.code === "rate_limited") expect(reply.headers["retry-after"]).toMatch(/^\d+$/);
  });

  it("changed neither secret: same state, views, failures and events (ip_blocked refusals aside)", async () => {
    expect(await snapshot(target.sealed.id, targetManage)).toEqual(targetBefore);
    const fencedAfter = await snapshot(fenced.sealed.id, fencedManage);
    expect({ ...fencedAfter, events: fencedAfter.events.filter((type) => type !== "ip_blocked") }).toEqual(fencedBefore);
    expect(fencedAfter.events.filter((type) => type === "ip_blocked").length).toBe(6);
  });

  it("the target still opens with the right proofs afterwards", async () => {
    const response = await fetch(`${server.url}${targetPath("/reveal")}`, {
      method: "POST",
      headers: { "content-type": json },
      body: JSON.stringify({ access: targetAccess, unlock: targetUnlock }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { viewsLeft: number }).viewsLeft).toBe(4);
  });
});
