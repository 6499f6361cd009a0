import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { connection } from "next/server";
import { HydrationMarker } from "@/components/hydration-marker";
import { SiteFooter } from "@/components/site-footer";
import { SiteHeader } from "@/components/site-header";
import { SkipLink } from "@/components/skip-link";
import { pageAccount } from "@/lib/server/auth";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Burnlink: share a secret once", template: "%s · Burnlink" },
  description: "End-to-end encrypted, one-time secret sharing. The server never sees the key.",
  referrer: "no-referrer",
  formatDetection: { telephone: false, email: false, address: false },
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#fafafa" },
    { media: "(prefers-color-scheme: dark)", color: "#09090b" },
  ],
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Render per request: the CSP nonce is per request, and a prerendered page would carry
  // scripts without it and never hydrate (see proxy.ts).
  await connection();
  const account = await pageAccount();
  return (
    <html lang="en">
      <body className="flex min-h-dvh flex-col bg-zinc-50 font-sans text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        <SkipLink targetId="main" />
        <SiteHeader
          account={{
            ...(account.signInUrl === undefined ? {} : { signInUrl: account.signInUrl }),
            ...(account.user === undefined ? {} : { signedInAs: account.user.email || account.user.subject }),
          }}
        />
        <main id="main" tabIndex={-1} className="mx-auto focus:outline-none w-full max-w-3xl flex-1 px-4 py-8 sm:px-6 sm:py-10">
          {children}
        </main>
        <SiteFooter />
        <HydrationMarker />
      </body>
    </html>
  );
}
