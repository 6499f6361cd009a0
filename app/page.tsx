import Link from "next/link";
import { CreateSecret } from "@/components/create/create-secret";
import { CreateRequest } from "@/components/request/create-request";
import { HomeModes } from "@/components/request/home-modes";
import { Card, PageTitle } from "@/components/ui/card";
import { needsSignInToCreate, pageAccount } from "@/lib/server/auth";

export default async function CreatePage() {
  const account = await pageAccount();
  if (needsSignInToCreate(account)) {
    return (
      <>
        <PageTitle lead="Encrypted in your browser before it leaves. The link holds the key; the server keeps only ciphertext, and deletes it once it is read.">
          Share a secret, once
        </PageTitle>
        {/* PROTOCOL.md §8: under sso only signed-in people create; opening and answering links needs no account. */}
        <Card>
          <h2 className="text-lg font-semibold">Sign in to share</h2>
          <p className="mt-2 text-zinc-600 dark:text-zinc-400">
            On this server only signed-in members of the organisation may create secrets and requests. Opening a link you received, or answering a request,
            needs no account.
          </p>
          <a
            href={account.signInUrl}
            data-testid="sign-in-to-share"
            className="mt-4 inline-block rounded-md bg-orange-700 px-4 py-2 font-semibold text-white hover:bg-orange-800"
          >
            Sign in to share
          </a>
        </Card>
      </>
    );
  }
  return (
    <HomeModes
      share={
        <>
          <p className="mb-4 text-sm text-zinc-600 dark:text-zinc-400" data-testid="sharing-safely-hint">
            Sending something sensitive? Read{" "}
            <Link href="/sharing-safely" className="font-medium text-zinc-800 underline underline-offset-2 dark:text-zinc-200">
              Sharing safely
            </Link>
            .
          </p>
          <CreateSecret />
        </>
      }
      request={<CreateRequest />}
    />
  );
}
