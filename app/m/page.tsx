import type { Metadata } from "next";
import { ManageSecret } from "@/components/manage/manage-secret";

export const metadata: Metadata = {
  title: "Manage a secret",
  robots: { index: false, follow: false },
};

export default function ManagePage() {
  return <ManageSecret />;
}
