/** The steps of something in progress, the current one in bold, announced politely. */
export function ProgressSteps<K extends string>({
  steps,
  current,
  testId,
}: {
  steps: readonly { key: K; label: string }[];
  current: K;
  testId?: string;
}) {
  const at = steps.findIndex((step) => step.key === current);
  return (
    <ol className="space-y-1 text-sm" aria-live="polite" data-testid={testId}>
      {steps.map((step, index) => (
        <li
          key={step.key}
          className={
            index < at
              ? "text-zinc-600 dark:text-zinc-400"
              : index === at
                ? "font-semibold"
                : "text-zinc-500"
          }
        >
          <span aria-hidden="true" className="inline-block w-5">
            {index < at ? "✓" : index === at ? "›" : "·"}
          </span>
          {step.label}
          {index === at ? "…" : ""}
        </li>
      ))}
    </ol>
  );
}
