"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

/** Signs out with fetch (PROTOCOL.md §8: a bare form POST may carry `Origin: null`). */
export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  const router = useRouter();
  return (
    <button
      type="button"
      data-testid="sign-out"
      disabled={busy}
      className="rounded-md px-3 py-1.5 text-zinc-700 hover:bg-zinc-100 disabled:opacity-60 dark:text-zinc-300 dark:hover:bg-zinc-800"
      onClick={async () => {
        setBusy(true);
        try {
          await fetch("/api/auth/logout", { method: "POST" });
        } finally {
          // The header and the create page are server-rendered: render them again, signed out.
          router.push("/");
          router.refresh();
          setBusy(false);
        }
      }}
    >
      Sign out
    </button>
  );
}
