import Link from "next/link";
import { SignOutButton } from "./sign-out-button";

export interface HeaderAccount {
  /** The sign-in path, when this server has sign-in. */
  signInUrl?: string;
  /** The signed-in user's email (or subject), when signed in. */
  signedInAs?: string;
}

export function SiteHeader({ account = {} }: { account?: HeaderAccount }) {
  return (
    <header className="border-b border-zinc-200 bg-white/80 dark:border-zinc-800 dark:bg-zinc-900/60">
      <div className="mx-auto flex max-w-3xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
        <Link href="/" className="flex items-center gap-2 rounded-md text-lg font-bold tracking-tight">
          <svg aria-hidden="true" viewBox="0 0 32 32" className="size-7">
            <rect width="32" height="32" rx="7" className="fill-orange-700" />
            <path
              fill="#fff"
              d="M16.6 4.5c.6 3.7-1.2 5.9-3.2 8.1-1.9 2.1-3.9 4.3-3.9 7.9a6.5 6.5 0 0 0 13 0c0-2.6-1.1-4.5-2.3-6.2-.4 1.5-1.3 2.6-2.6 3.1.9-4.6-.3-9.4-1-12.9Z"
            />
          </svg>
          Burnlink
        </Link>
        <nav aria-label="Main" className="flex items-center gap-1 text-sm font-medium">
          <Link href="/" className="rounded-md px-3 py-1.5 text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800">
            New secret
          </Link>
          <Link href="/how-it-works" className="rounded-md px-3 py-1.5 text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800">
            How it works
          </Link>
          {account.signedInAs !== undefined ? (
            <>
              <Link href="/my" data-testid="my-secrets-link" className="rounded-md px-3 py-1.5 text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800">
                My secrets
              </Link>
              <span data-testid="signed-in-as" className="px-2 text-zinc-600 dark:text-zinc-400">
                {account.signedInAs}
              </span>
              <SignOutButton />
            </>
          ) : account.signInUrl !== undefined ? (
            // A plain link: sign-in is a full-page redirect to the provider, never prefetched.
            <a href={account.signInUrl} data-testid="sign-in" className="rounded-md px-3 py-1.5 text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800">
              Sign in
            </a>
          ) : null}
        </nav>
      </div>
    </header>
  );
}
