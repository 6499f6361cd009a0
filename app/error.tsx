"use client";

import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

/** Replaces Next's default error screen, whose inline styles the CSP would block. */
export default function ErrorPage({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <Card>
      <h1 className="text-xl font-bold">Something went wrong on this page</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">
        An unexpected error stopped this page. Try again; if it keeps happening, reload the page.
      </p>
      <Button className="mt-4" onClick={reset}>
        Try again
      </Button>
    </Card>
  );
}
