import Link from "next/link";

export function SiteFooter() {
  return (
    <footer className="border-t border-zinc-200 dark:border-zinc-800">
      <div className="mx-auto max-w-3xl px-4 py-6 text-xs leading-relaxed text-zinc-600 sm:px-6 dark:text-zinc-400">
        End-to-end encrypted in your browser. The server stores only ciphertext and never sees the key, which lives in the link after the #.{" "}
        <Link href="/how-it-works" className="underline underline-offset-2">
          How it works
        </Link>
        {" · "}
        <Link href="/sharing-safely" className="underline underline-offset-2">
          Sharing safely
        </Link>
      </div>
    </footer>
  );
}
