import { ProgressSteps } from "@/components/ui/progress-steps";
import type { BusyStage } from "./use-create-secret";

/** The steps of a create in progress, the current one in bold, announced politely. */
export function CreateProgress({
  stage,
  withFiles,
  withPassphrase,
}: {
  stage: BusyStage;
  withFiles: boolean;
  withPassphrase: boolean;
}) {
  const steps: { key: BusyStage; label: string }[] = [
    ...(withFiles || stage === "reading"
      ? [{ key: "reading" as const, label: "Reading the attached files" }]
      : []),
    { key: "checking", label: "Checking the size against the server’s limit" },
    {
      key: "encrypting",
      label: withPassphrase
        ? "Deriving a key from the passphrase, then encrypting"
        : "Encrypting in this browser",
    },
    { key: "uploading", label: "Uploading the ciphertext" },
  ];
  return <ProgressSteps steps={steps} current={stage} testId="create-progress" />;
}
