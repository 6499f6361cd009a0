/**
 * `burnlink admin token create|list|revoke`: API token management through the admin API
 * (PROTOCOL.md §8, /api/admin/tokens). The admin credential comes from BURNLINK_TOKEN or
 * --token-file, never from argv; a new token is printed once, on stdout, and never again.
 */
import { parseArgs } from "node:util";
import { createApiClient } from "@/lib/api/client";
import type { TokenInfoBody, TokenScopeName } from "@/lib/api/wire";
import { DEFAULT_SERVER, parseServerUrl, SERVER_ENV } from "../args";
import type { CliContext } from "../context";
import { apiTokenFrom, TOKEN_ENV } from "../credentials";
import { toCliError, UsageError } from "../errors";
import { printable, writeTo } from "../output";
import { parseTtl } from "../ttl";

export const ADMIN_HELP = `burnlink admin token create --name NAME --scope SCOPE [--scope SCOPE] [--expires 90d]
burnlink admin token list
burnlink admin token revoke KID [--burn-secrets]

Manage the server's API tokens (needs an admin-scoped token, or the operator token whose
SHA-256 is ADMIN_TOKEN_SHA256, in ${TOKEN_ENV} or --token-file; never on the command line).

  --name NAME         1 to 64 of A-Z a-z 0-9 . _ -
  --scope SCOPE       secrets:create, requests:create or admin (repeatable)
  --expires DURATION  e.g. 30d, 90d, 1w; without it the token never expires
  --server URL        default $${SERVER_ENV} or ${DEFAULT_SERVER}
  --token-file PATH   read the admin token from this file
  --burn-secrets      (revoke) also burn every active secret the token created, and say how many
  --json              machine-readable output

create prints the new token once: store it now, the server keeps only its SHA-256.
`;

const SCOPES: readonly TokenScopeName[] = ["secrets:create", "requests:create", "admin"];

function tokenLine(token: TokenInfoBody): string {
  const id = token.kid ?? "(env)";
  const expires = token.expiresAt ?? "never";
  const used = token.lastUsedAt ?? "never";
  return `${id.padEnd(8)}  ${printable(token.name).padEnd(20)}  ${token.scopes.join("+").padEnd(30)}  expires ${expires}  last used ${used}`;
}

export async function admin(argv: readonly string[], context: CliContext): Promise<void> {
  const [noun, verb, ...rest] = argv;
  if (noun === undefined || noun === "--help" || noun === "-h" || verb === "--help" || verb === "-h") {
    await writeTo(context.stdout, ADMIN_HELP);
    return;
  }
  if (noun !== "token" || (verb !== "create" && verb !== "list" && verb !== "revoke")) {
    throw new UsageError("burnlink admin knows token create, token list and token revoke; see burnlink admin --help.");
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: "string" },
        scope: { type: "string", multiple: true },
        expires: { type: "string" },
        server: { type: "string" },
        "token-file": { type: "string" },
        token: { type: "string" },
        json: { type: "boolean" },
        "burn-secrets": { type: "boolean" },
      },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message.split(". ")[0] : String(error)}; see burnlink admin --help.`, { cause: error });
  }
  const { values, positionals } = parsed;
  if (values.token !== undefined) {
    throw new UsageError(`tokens are never taken from the command line (other users can read it); set ${TOKEN_ENV} or use --token-file.`);
  }
  if (values["burn-secrets"] && verb !== "revoke") throw new UsageError("--burn-secrets goes with burnlink admin token revoke only.");
  const serverOption = values.server ?? context.env[SERVER_ENV];
  const server = serverOption ? parseServerUrl(serverOption, values.server !== undefined ? "--server" : SERVER_ENV) : DEFAULT_SERVER;
  const adminToken = await apiTokenFrom(context.env, values["token-file"]);
  if (adminToken === undefined) throw new UsageError(`burnlink admin needs an admin token in ${TOKEN_ENV} or --token-file.`);
  const client = createApiClient(server);

  try {
    if (verb === "create") {
      if (values.name === undefined) throw new UsageError("burnlink admin token create needs --name.");
      const scopes = (values.scope ?? []).flatMap((scope) => scope.split(/[+,]/)).map((scope) => scope.trim());
      if (scopes.length === 0) throw new UsageError(`burnlink admin token create needs --scope (${SCOPES.join(", ")}).`);
      const unknown = scopes.find((scope) => !(SCOPES as readonly string[]).includes(scope));
      if (unknown !== undefined) throw new UsageError(`--scope ${printable(unknown)} is not one of ${SCOPES.join(", ")}.`);
      const expiresInSeconds = values.expires === undefined ? undefined : parseTtl(values.expires);
      const created = await client.createToken({
        name: values.name,
        scopes: [...new Set(scopes)] as TokenScopeName[],
        ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
      }, adminToken);
      await writeTo(
        context.stdout,
        values.json
          ? `${JSON.stringify(created, null, 2)}\n`
          : `${created.token}\n`,
      );
      if (!values.json) {
        await writeTo(context.stderr, `Token ${created.kid} (${printable(created.name)}) created, expires ${created.expiresAt ?? "never"}. It is shown only this once.\n`);
      }
      return;
    }
    if (verb === "list") {
      const { tokens } = await client.listTokens(adminToken);
      await writeTo(context.stdout, values.json ? `${JSON.stringify(tokens, null, 2)}\n` : tokens.map((token) => `${tokenLine(token)}\n`).join(""));
      return;
    }
    if (positionals.length !== 1 || !/^[A-Za-z0-9]{8}$/.test(positionals[0] ?? "")) {
      throw new UsageError("burnlink admin token revoke needs one token id (8 letters and digits, as token list shows).");
    }
    const kid = positionals[0] as string;
    if (values["burn-secrets"]) {
      const result = await client.revokeTokenAndBurnSecrets(kid, adminToken);
      if (values.json) await writeTo(context.stdout, `${JSON.stringify(result, null, 2)}\n`);
      const revoked = result.revoked ? `Token ${kid} revoked` : `Token ${kid} was not live (already revoked, expired or from API_TOKENS)`;
      await writeTo(context.stderr, `${revoked}; burned ${result.burned} active secret${result.burned === 1 ? "" : "s"} it created.\n`);
      return;
    }
    await client.revokeToken(kid, adminToken);
    await writeTo(context.stderr, `Token ${kid} revoked.\n`);
  } catch (error) {
    throw toCliError(error, { action: "admin", origin: server });
  }
}
