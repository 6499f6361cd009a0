/**
 * Who may sign in (PROTOCOL.md §8, issue 13 §3): every configured rule must pass.
 * - OIDC_ALLOWED_DOMAINS: the email's domain is listed AND `email_verified === true`
 *   (a provider that lets users type any email must not let them pick a company domain);
 * - OIDC_ALLOWED_TENANTS: the `tid` claim (Entra ID) is listed;
 * - OIDC_ALLOWED_HD: the `hd` claim (Google Workspace) is listed;
 * - OIDC_REQUIRED_GROUPS: the `groups` claim holds at least one listed group.
 * Identity is issuer + subject; the email is only for these rules and for display.
 */
import "server-only";
import type { AuthConfig } from "@/lib/server/config";

export type Claims = Record<string, unknown>;

type AllowRules = Pick<AuthConfig, "allowedDomains" | "allowedTenants" | "allowedHd" | "requiredGroups">;

/** Why this user may not sign in, or undefined when they may. */
export function signInRefusal(claims: Claims, rules: AllowRules): string | undefined {
  if (rules.allowedDomains.length > 0) {
    const email = typeof claims.email === "string" ? claims.email.toLowerCase() : "";
    const domain = email.includes("@") ? email.slice(email.lastIndexOf("@") + 1) : "";
    if (claims.email_verified !== true) return "Your provider has not verified your email address.";
    if (!rules.allowedDomains.includes(domain)) return "Your email domain may not sign in here.";
  }
  if (rules.allowedTenants.length > 0 && !(typeof claims.tid === "string" && rules.allowedTenants.includes(claims.tid))) {
    return "Your organisation (tenant) may not sign in here.";
  }
  if (rules.allowedHd.length > 0 && !(typeof claims.hd === "string" && rules.allowedHd.includes(claims.hd.toLowerCase()))) {
    return "Your hosted domain may not sign in here.";
  }
  if (rules.requiredGroups.length > 0) {
    const groups = Array.isArray(claims.groups) ? claims.groups.filter((group): group is string => typeof group === "string") : [];
    if (!groups.some((group) => rules.requiredGroups.includes(group))) return "You are not in a group that may sign in here.";
  }
  return undefined;
}
