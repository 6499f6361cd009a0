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
  const current = steps.findIndex((step) => step.key === stage);
  return (
    <ol className="space-y-1 text-sm" aria-live="polite" data-testid="create-progress">
      {steps.map((step, index) => (
        <li
          key={step.key}
          className={
            index < current
              ? "text-zinc-600 dark:text-zinc-400"
              : index === current
                ? "font-semibold"
                : "text-zinc-500"
          }
        >
          <span aria-hidden="true" className="inline-block w-5">
            {index < current ? "✓" : index === current ? "›" : "·"}
          </span>
          {step.label}
          {index === current ? "…" : ""}
        </li>
      ))}
    </ol>
  );
}
