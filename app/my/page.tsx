import type { Metadata } from "next";
import { MySecrets } from "@/components/my/my-secrets";
import { PageTitle } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { pageAccount } from "@/lib/server/auth";

export const metadata: Metadata = {
  title: "My secrets",
  robots: { index: false, follow: false },
};

// GET /my – the signed-in creator's secrets (issue 13 §5); the list itself comes from /api/me/secrets
export default async function MySecretsPage() {
  const account = await pageAccount();
  return (
    <>
      <PageTitle lead="What you created while signed in: its state, views left and expiry. Never a key or a link.">My secrets</PageTitle>
      {account.user !== undefined ? (
        <MySecrets />
      ) : (
        <Notice tone="info" title="Sign in to see your secrets" testId="my-secrets-sign-in">
          {account.signInUrl !== undefined ? (
            <a href={account.signInUrl} className="font-semibold underline">
              Sign in
            </a>
          ) : (
            "This server has no sign-in; an API token's secrets are listed by GET /api/me/secrets."
          )}
        </Notice>
      )}
    </>
  );
}
