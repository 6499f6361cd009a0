"use client";

import { CopyButton } from "./copy-button";
import { inputClass } from "./field";

/** A link in a read-only field that selects itself on focus, with a copy button. */
export function LinkBox({ label, value, testId, primary = false }: { label: string; value: string; testId: string; primary?: boolean }) {
  return (
    <div className="flex flex-col gap-2 sm:flex-row">
      <input
        readOnly
        value={value}
        aria-label={label}
        data-testid={testId}
        onFocus={(event) => event.currentTarget.select()}
        className={`${inputClass} min-w-0 flex-1 font-mono text-xs sm:text-sm`}
      />
      <CopyButton text={value} label={`Copy ${label.toLowerCase()}`} variant={primary ? "primary" : "secondary"} />
    </div>
  );
}
