/**
 * Requests, PROTOCOL.md §7: the requester asks someone to send them a secret.
 *   R (collect key, CSPRNG) → sk = derive("request/sk", R), pk = X25519(sk)
 *   pk → rid, write proof, labelKey;  R → collect proof
 *   label    = nonce ‖ secretbox(envelope{text}, nonce, labelKey)
 *   response = nonce ‖ box(envelope, nonce, pk, esk), sent with epk
 *   sas      = u32(derive("request/sas", pk ‖ epk)[0..4]) mod 1 000 000, six digits
 * Guarantees: only rid, verifiers, proofs, epk and ciphertext are meant to leave a client;
 * R and sk stay with the requester (collect link), pk with link holders (request link), so
 * the server can neither read, forge nor redirect an answer. Opening functions return
 * authenticated content or throw DecryptError / EnvelopeError; never null or "".
 * Pure: tweetnacl only; runs in the browser, Node and the CLI; never logs key material.
 */
import nacl from "tweetnacl";

import { BOX_OVERHEAD_BYTES, openEnvelope, sealEnvelope } from "./box";
import { base64urlToBytes, bytesToBase64url, concatBytes } from "./encoding";
import { decodeEnvelope, encodeEnvelope, type SecretContent } from "./envelope";
import { DecryptError, EncodingError, EnvelopeError } from "./errors";
import { assertLength, derive, ID_BYTES, KEY_BYTES, NONCE_BYTES, verifierOf } from "./keys";

/** Length of an X25519 public key (pk, epk) in bytes. */
export const PUBLIC_KEY_BYTES = nacl.box.publicKeyLength;
/** Length of an X25519 secret key (sk, esk) in bytes. */
export const SECRET_KEY_BYTES = nacl.box.secretKeyLength;
/** Digits of the short authentication string. */
export const SAS_DIGITS = 6;

/** Options of sealRequest. Fixed keys and nonce are for tests and vectors only. */
export interface SealRequestOptions {
  /** The requester's instructions; omitted or undefined means no label. */
  label?: string;
  /** R, 32 bytes; drawn from the CSPRNG when omitted. */
  collectKey?: Uint8Array;
  /** secretbox nonce of the label, 24 bytes; drawn from the CSPRNG when omitted. */
  labelNonce?: Uint8Array;
}

/** Everything the requester needs: R for the collect link, pk for the request link, and the create body. */
export interface SealedRequest {
  /** R, 32 bytes: goes into the collect link only */
  collectKey: Uint8Array;
  /** pk, 32 bytes: goes into the request link only (never sent to the server) */
  publicKey: Uint8Array;
  /** rid, 22 base64url characters */
  id: string;
  /** SHA512(write)[0..32], base64url */
  writeVerifier: string;
  /** SHA512(collect)[0..32], base64url */
  collectVerifier: string;
  /** nonce ‖ secretbox(envelope, nonce, labelKey), base64url; absent without a label */
  label?: string;
}

/** What a request-link holder derives from pk. */
export interface RequestLinkProofs {
  /** rid, 22 base64url characters */
  id: string;
  /** the write proof, base64url (43 characters): body of check and responses */
  write: string;
  /** labelKey, 32 bytes: opens the label, stays on the client */
  labelKey: Uint8Array;
}

/** What a collect-link holder derives from R. */
export interface CollectLinkProofs {
  /** rid, 22 base64url characters */
  id: string;
  /** the collect proof, base64url: body of collect, Bearer token of status and revoke */
  collect: string;
  /** sk, 32 bytes: opens responses, stays on the client */
  secretKey: Uint8Array;
  /** pk, 32 bytes: for the SAS and to rebuild the request link */
  publicKey: Uint8Array;
}

/** Options of sealResponse. Fixed keys and nonce are for tests and vectors only. */
export interface SealResponseOptions {
  /** esk, 32 bytes; a fresh `nacl.box.keyPair()` when omitted. Never reuse one. */
  ephemeralSecretKey?: Uint8Array;
  /** box nonce, 24 bytes; drawn from the CSPRNG when omitted. */
  nonce?: Uint8Array;
}

/** The body of POST /api/requests/{id}/responses (without write) and the code to show. */
export interface SealedResponse {
  /** epk, base64url (43 characters) */
  epk: string;
  /** nonce ‖ box, base64url */
  ciphertext: string;
  /** six digits, e.g. "004711" */
  sas: string;
}

/**
 * Makes a new collect key R from the CSPRNG.
 * @returns 32 random bytes
 */
export function generateCollectKey(): Uint8Array {
  return nacl.randomBytes(KEY_BYTES);
}

/**
 * The request's secret key `sk = derive("request/sk", R)`. Never leaves the requester.
 * @param collectKey R, 32 bytes
 * @returns 32 bytes
 * @throws KeyLengthError unless R is 32 bytes
 */
export function requestSecretKeyFromCollectKey(collectKey: Uint8Array): Uint8Array {
  assertLength("The collect key", collectKey, KEY_BYTES);
  return derive("request/sk", collectKey);
}

/**
 * The request's public key `pk = nacl.box.keyPair.fromSecretKey(sk).publicKey`.
 * @param collectKey R, 32 bytes
 * @returns 32 bytes
 * @throws KeyLengthError unless R is 32 bytes
 */
export function requestPublicKeyFromCollectKey(collectKey: Uint8Array): Uint8Array {
  return nacl.box.keyPair.fromSecretKey(requestSecretKeyFromCollectKey(collectKey)).publicKey;
}

/**
 * The request id `b64u(derive("request/id", pk)[0..16])`, 22 characters.
 * @param publicKey pk, 32 bytes
 * @throws KeyLengthError unless pk is 32 bytes
 */
export function requestIdFromPublicKey(publicKey: Uint8Array): string {
  assertLength("The request's public key", publicKey, PUBLIC_KEY_BYTES);
  return bytesToBase64url(derive("request/id", publicKey).slice(0, ID_BYTES));
}

/**
 * The write proof `derive("request/write", pk)`: shows the server the caller holds the request link.
 * @param publicKey pk, 32 bytes
 * @returns 32 bytes
 * @throws KeyLengthError unless pk is 32 bytes
 */
export function writeProofFromPublicKey(publicKey: Uint8Array): Uint8Array {
  assertLength("The request's public key", publicKey, PUBLIC_KEY_BYTES);
  return derive("request/write", publicKey);
}

/**
 * The collect proof `derive("request/collect", R)`: shows the server the caller holds the collect link.
 * @param collectKey R, 32 bytes
 * @returns 32 bytes
 * @throws KeyLengthError unless R is 32 bytes
 */
export function collectProofFromCollectKey(collectKey: Uint8Array): Uint8Array {
  assertLength("The collect key", collectKey, KEY_BYTES);
  return derive("request/collect", collectKey);
}

/**
 * The label's secretbox key `derive("request/label", pk)`.
 * @param publicKey pk, 32 bytes
 * @returns 32 bytes
 * @throws KeyLengthError unless pk is 32 bytes
 */
export function labelKeyFromPublicKey(publicKey: Uint8Array): Uint8Array {
  assertLength("The request's public key", publicKey, PUBLIC_KEY_BYTES);
  return derive("request/label", publicKey);
}

/**
 * The short authentication string of one response, `u32(derive("request/sas", pk ‖ epk)[0..4])
 * mod 1 000 000`, as six digits with leading zeros. Both sides compute it; a response from
 * anyone else (another epk) shows another code.
 * @param publicKey pk, 32 bytes
 * @param ephemeralPublicKey epk, 32 bytes
 * @returns six ASCII digits
 * @throws KeyLengthError unless both keys are 32 bytes
 */
export function responseSas(publicKey: Uint8Array, ephemeralPublicKey: Uint8Array): string {
  assertLength("The request's public key", publicKey, PUBLIC_KEY_BYTES);
  assertLength("The response's public key", ephemeralPublicKey, PUBLIC_KEY_BYTES);
  const digest = derive("request/sas", concatBytes(publicKey, ephemeralPublicKey));
  const value = new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0, false);
  return String(value % 10 ** SAS_DIGITS).padStart(SAS_DIGITS, "0");
}

/**
 * Seals a label: a §3 envelope with text only, padded, under secretbox(labelKey).
 * @param label the instructions (any string without lone surrogates; "" is a label)
 * @param publicKey pk, 32 bytes
 * @param nonce 24 bytes; omit it to draw a random one
 * @returns nonce ‖ secretbox, at least 24 + 16 + 1024 bytes
 * @throws EnvelopeError for a string encodeEnvelope refuses; KeyLengthError for bad lengths
 */
export function sealLabel(label: string, publicKey: Uint8Array, nonce?: Uint8Array): Uint8Array {
  if (typeof label !== "string")
    throw new EnvelopeError("The request's instructions must be text.");
  return sealEnvelope(encodeEnvelope({ text: label }), labelKeyFromPublicKey(publicKey), nonce);
}

function bytesFromWire(text: string, what: string): Uint8Array {
  try {
    return base64urlToBytes(text);
  } catch (error) {
    if (error instanceof EncodingError) {
      throw new DecryptError(`${what} is damaged (it is not valid base64url).`, { cause: error });
    }
    throw error;
  }
}

/**
 * Opens a label as the check call returned it.
 * @param labelB64u nonce ‖ secretbox, base64url
 * @param labelKey from requestLinkProofs, 32 bytes
 * @returns the instructions
 * @throws DecryptError when it does not open with this key (a wrong or forged link, or
 *   damaged data); EnvelopeError when it opens but is not a text-only v1 envelope
 */
export function openLabel(labelB64u: string, labelKey: Uint8Array): string {
  assertLength("The label key", labelKey, KEY_BYTES);
  const content = decodeEnvelope(
    openEnvelope(bytesFromWire(labelB64u, "The request's instructions"), labelKey),
  );
  if (content.text === undefined || content.files !== undefined) {
    throw new EnvelopeError("The request's instructions are not text only.");
  }
  return content.text;
}

/**
 * Makes a new request: R, pk, rid, the two verifiers and the sealed label.
 * @param options label, and fixed R or nonce for tests
 * @returns keys for the two links and the values POST /api/requests takes
 * @throws EnvelopeError for a label encodeEnvelope refuses; KeyLengthError for fixed values
 *   of the wrong length
 */
export function sealRequest(options: SealRequestOptions = {}): SealedRequest {
  const collectKey = options.collectKey ?? generateCollectKey();
  assertLength("The collect key", collectKey, KEY_BYTES);
  const publicKey = requestPublicKeyFromCollectKey(collectKey);
  const sealed: SealedRequest = {
    collectKey: collectKey.slice(),
    publicKey,
    id: requestIdFromPublicKey(publicKey),
    writeVerifier: bytesToBase64url(verifierOf(writeProofFromPublicKey(publicKey))),
    collectVerifier: bytesToBase64url(verifierOf(collectProofFromCollectKey(collectKey))),
  };
  if (options.label !== undefined) {
    sealed.label = bytesToBase64url(sealLabel(options.label, publicKey, options.labelNonce));
  }
  return sealed;
}

/**
 * What the holder of a request link sends (rid, write) and the key to open the label.
 * @param publicKey pk from the request link, 32 bytes
 * @throws KeyLengthError unless pk is 32 bytes
 */
export function requestLinkProofs(publicKey: Uint8Array): RequestLinkProofs {
  return {
    id: requestIdFromPublicKey(publicKey),
    write: bytesToBase64url(writeProofFromPublicKey(publicKey)),
    labelKey: labelKeyFromPublicKey(publicKey),
  };
}

/**
 * What the holder of a collect link sends (rid, collect) and the keys to open responses.
 * @param collectKey R from the collect link, 32 bytes
 * @throws KeyLengthError unless R is 32 bytes
 */
export function collectLinkProofs(collectKey: Uint8Array): CollectLinkProofs {
  const secretKey = requestSecretKeyFromCollectKey(collectKey);
  const publicKey = nacl.box.keyPair.fromSecretKey(secretKey).publicKey;
  return {
    id: requestIdFromPublicKey(publicKey),
    collect: bytesToBase64url(collectProofFromCollectKey(collectKey)),
    secretKey,
    publicKey,
  };
}

/**
 * Encrypts a response to the request's pk with a fresh ephemeral key pair.
 * @param content text, files or both (a §3 envelope, padded)
 * @param publicKey pk from the request link, 32 bytes
 * @param options a fixed esk or nonce, for tests only
 * @returns epk and nonce ‖ box (base64url), and the six-digit code to show the responder
 * @throws EnvelopeError for content encodeEnvelope refuses; KeyLengthError for bad lengths
 */
export function sealResponse(
  content: SecretContent,
  publicKey: Uint8Array,
  options: SealResponseOptions = {},
): SealedResponse {
  assertLength("The request's public key", publicKey, PUBLIC_KEY_BYTES);
  const envelope = encodeEnvelope(content);
  if (options.ephemeralSecretKey !== undefined) {
    assertLength("The ephemeral secret key", options.ephemeralSecretKey, SECRET_KEY_BYTES);
  }
  const pair =
    options.ephemeralSecretKey === undefined
      ? nacl.box.keyPair()
      : nacl.box.keyPair.fromSecretKey(options.ephemeralSecretKey);
  const nonce = options.nonce ?? nacl.randomBytes(NONCE_BYTES);
  assertLength("The nonce", nonce, NONCE_BYTES);
  const box = nacl.box(envelope, nonce, publicKey, pair.secretKey);
  return {
    epk: bytesToBase64url(pair.publicKey),
    ciphertext: bytesToBase64url(concatBytes(nonce, box)),
    sas: responseSas(publicKey, pair.publicKey),
  };
}

/** A response opened by the requester. */
export interface OpenedResponse {
  content: SecretContent;
  /** the six-digit code the responder was shown */
  sas: string;
}

/**
 * Opens one collected response with sk.
 * @param response `{epk, ciphertext}` as the collect call returned them (base64url)
 * @param secretKey sk from collectLinkProofs, 32 bytes
 * @returns the content and its six-digit code
 * @throws DecryptError when epk or the ciphertext is damaged, truncated or was not made for
 *   this request; EnvelopeError when it opens but is not a valid v1 envelope; KeyLengthError
 *   unless sk is 32 bytes
 */
export function openResponse(
  response: { epk: string; ciphertext: string },
  secretKey: Uint8Array,
): OpenedResponse {
  assertLength("The request's secret key", secretKey, SECRET_KEY_BYTES);
  const epk = bytesFromWire(response.epk, "The answer's key");
  if (epk.length !== PUBLIC_KEY_BYTES)
    throw new DecryptError("The answer's key has the wrong length.");
  const ciphertext = bytesFromWire(response.ciphertext, "The answer");
  if (ciphertext.length < NONCE_BYTES + BOX_OVERHEAD_BYTES) {
    throw new DecryptError("The answer is incomplete, so it cannot be decrypted.");
  }
  const opened = nacl.box.open(
    ciphertext.subarray(NONCE_BYTES),
    ciphertext.subarray(0, NONCE_BYTES),
    epk,
    secretKey,
  );
  if (!opened) {
    throw new DecryptError(
      "The answer could not be decrypted: it was not made for this request, or the data was damaged.",
    );
  }
  const publicKey = nacl.box.keyPair.fromSecretKey(secretKey).publicKey;
  return { content: decodeEnvelope(opened), sas: responseSas(publicKey, epk) };
}

/**
 * The Bearer token of GET and DELETE /api/requests/{id}.
 * @param collectKey R, 32 bytes
 * @returns base64url of derive("request/collect", R), 43 characters
 * @throws KeyLengthError unless R is 32 bytes
 */
export function collectToken(collectKey: Uint8Array): string {
  return bytesToBase64url(collectProofFromCollectKey(collectKey));
}
