/**
 * lib/crypto: PROTOCOL.md §1–3, §6 (claims) and §7 (requests) in one place that the browser, the server and the CLI all
 * import. Pure: depends only on tweetnacl and WebCrypto, runs unchanged in the browser and
 * Node ≥ 20, and never logs key material. The server uses only the encoding and size
 * helpers; it never decrypts.
 */
export * from "./errors";
export * from "./encoding";
export * from "./keys";
export * from "./envelope";
export * from "./box";
export * from "./links";
export * from "./secret";
export * from "./request";
export * from "./request-links";
export * from "./claim";
