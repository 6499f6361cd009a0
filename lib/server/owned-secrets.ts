/**
 * The create path's half of the per-creator index (issue 13 §5): after a secret made with a
 * credential is stored, its id goes into its owner's index.
 *
 * Best effort, on every driver: the index write is a second store call (on a cluster it
 * lives in another slot; the create script itself stays untouched), so a failure here must
 * not fail a create that already succeeded (a retry would only meet id_taken). The secret
 * then works as usual and can still be burned with its manage link; it just does not show
 * in "My secrets". The log line says that much and names no id or owner.
 */
import "server-only";
import { ownerOfCreator, type SecretStore } from "@/lib/store";
import type { Creator } from "@/lib/store/types";
import { logLine } from "@/lib/server/http";

export async function indexCreatedSecret(
  store: SecretStore,
  creator: Creator | undefined,
  secret: { id: string; nowMs: number; expiresAtMs: number; retentionSeconds: number },
): Promise<void> {
  const owner = creator ? ownerOfCreator(creator) : undefined;
  if (!owner) return;
  try {
    await store.indexOwned(owner, secret.id, secret.expiresAtMs + secret.retentionSeconds * 1000, secret.nowMs);
  } catch (error) {
    logLine("warn", "creator index not written; the secret works but is missing from My secrets", {
      reason: error instanceof Error ? error.name : typeof error,
    });
  }
}
