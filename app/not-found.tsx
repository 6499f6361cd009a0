import Link from "next/link";
import { Card } from "@/components/ui/card";

export default function NotFound() {
  return (
    <Card>
      <h1 className="text-xl font-bold">Page not found</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">
        There is nothing at this address. Secret links look like <span className="font-mono">/s#k…</span>; if you were sent one, copy it again in one piece.
      </p>
      <Link href="/" className="mt-4 inline-block font-semibold text-orange-800 underline underline-offset-4 dark:text-orange-300">
        Share a new secret
      </Link>
    </Card>
  );
}
