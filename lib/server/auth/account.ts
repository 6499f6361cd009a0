/**
 * What the pages need to know about the visitor (PROTOCOL.md §8, issue 13 §3): the create
 * policy and, under sign-in, who is signed in. Read in server components (app/), which pass
 * it down as props: components/ never import lib/server.
 */
import "server-only";
import { headers } from "next/headers";
import { getAuthStore } from "@/lib/store";
import { getServerConfig, type CreatePolicy } from "@/lib/server/config";
import { LOGIN_PATH } from "./oidc";
import { sessionOf } from "./sessions";

export interface PageAccount {
  createPolicy: CreatePolicy;
  /** The sign-in path when OIDC is configured. */
  signInUrl?: string;
  /** The signed-in user, if any. */
  user?: { email: string; subject: string };
}

export async function pageAccount(): Promise<PageAccount> {
  const { auth } = getServerConfig();
  const account: PageAccount = { createPolicy: auth.createPolicy };
  if (!auth.oidc) return account;
  account.signInUrl = LOGIN_PATH;
  try {
    const active = await sessionOf(await headers(), auth, getAuthStore());
    if (active) account.user = { email: active.session.email, subject: active.session.subject };
  } catch {
    // A store outage must not take the pages down: the visitor just looks signed out.
  }
  return account;
}

/** True when the create page can only work for a signed-in visitor. */
export function needsSignInToCreate(account: PageAccount): boolean {
  return (
    (account.createPolicy === "sso" || account.createPolicy === "sso+token") &&
    account.user === undefined
  );
}
