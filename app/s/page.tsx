import type { Metadata } from "next";
import { RevealSecret } from "@/components/reveal/reveal-secret";

export const metadata: Metadata = {
  title: "A secret for you",
  robots: { index: false, follow: false },
};

export default function RevealPage() {
  return <RevealSecret />;
}
