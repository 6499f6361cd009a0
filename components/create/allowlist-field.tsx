"use client";

import { useId } from "react";
import { Hint, TextArea } from "@/components/ui/field";
import { parseAllowlist } from "./ip-list";

/** The optional IP/CIDR allowlist, checked as it is typed. */
export function AllowlistField({
  value,
  onChange,
  maxEntries,
  disabled,
}: {
  value: string;
  onChange: (value: string) => void;
  maxEntries: number;
  disabled?: boolean;
}) {
  const id = useId();
  const { entries, invalid } = parseAllowlist(value);
  const tooMany = entries.length > maxEntries;
  const problem =
    invalid.length > 0
      ? `Not an IPv4 or IPv6 address or CIDR range: ${invalid.map((entry) => `“${entry}”`).join(", ")}.`
      : tooMany
        ? `At most ${maxEntries} entries; there are ${entries.length}.`
        : null;
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium">
        Only these IP addresses may open it
      </label>
      <TextArea
        id={id}
        rows={2}
        value={value}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value)}
        placeholder="203.0.113.7, 198.51.100.0/24, 2001:db8::/48"
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        className="font-mono"
        aria-invalid={problem !== null}
        aria-describedby={`${id}-hint`}
      />
      <div id={`${id}-hint`}>
        {problem ? (
          <p className="mt-1.5 text-xs font-medium text-red-700 dark:text-red-400" data-testid="allowlist-error">
            {problem}
          </p>
        ) : (
          <Hint>
            {entries.length > 0
              ? `${entries.length} ${entries.length === 1 ? "entry" : "entries"}. Anyone else gets “not allowed” even with the link.`
              : "Leave empty to allow any address. Separate entries with commas, spaces or new lines."}
          </Hint>
        )}
      </div>
    </div>
  );
}
