import type { Metadata } from "next";
import { RequestPage } from "@/components/request/request-page";

export const metadata: Metadata = {
  title: "A request for a secret",
  robots: { index: false, follow: false },
};

export default function RequestLinkPage() {
  return <RequestPage />;
}
