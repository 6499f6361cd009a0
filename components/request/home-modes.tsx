"use client";

import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { PageTitle } from "@/components/ui/card";

type Mode = "share" | "request";

const MODES: readonly { mode: Mode; tab: string; title: string; lead: string }[] = [
  {
    mode: "share",
    tab: "Share a secret",
    title: "Share a secret, once",
    lead: "Encrypted in your browser before it leaves. The link holds the key; the server keeps only ciphertext, and deletes it once it is read.",
  },
  {
    mode: "request",
    tab: "Request a secret",
    title: "Request a secret",
    lead: "Ask someone to send you a secret. Their browser encrypts it to a key made here, in yours; the server keeps only ciphertext it cannot read.",
  },
];

/**
 * The home page's two modes as ARIA tabs (arrow keys, Home and End move between them).
 * Only the chosen panel is mounted: the create form listens for Ctrl+Enter on the whole
 * page, and a hidden form must never submit.
 */
export function HomeModes({ share, request }: { share: ReactNode; request: ReactNode }) {
  const [mode, setMode] = useState<Mode>("share");
  const baseId = useId();
  const tabs = useRef<Record<Mode, HTMLButtonElement | null>>({ share: null, request: null });
  const active = MODES.find((entry) => entry.mode === mode) ?? MODES[0]!;

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = MODES.findIndex((entry) => entry.mode === mode);
    const next =
      event.key === "ArrowRight"
        ? (index + 1) % MODES.length
        : event.key === "ArrowLeft"
          ? (index - 1 + MODES.length) % MODES.length
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? MODES.length - 1
              : null;
    if (next === null) return;
    event.preventDefault();
    const target = MODES[next]!.mode;
    setMode(target);
    tabs.current[target]?.focus();
  }

  return (
    <>
      <PageTitle lead={active.lead}>{active.title}</PageTitle>
      <div role="tablist" aria-label="What to do" className="mb-6 inline-flex rounded-lg border border-zinc-300 bg-white p-1 dark:border-zinc-700 dark:bg-zinc-900" onKeyDown={onKeyDown}>
        {MODES.map((entry) => {
          const selected = entry.mode === mode;
          return (
            <button
              key={entry.mode}
              ref={(element) => {
                tabs.current[entry.mode] = element;
              }}
              type="button"
              role="tab"
              id={`${baseId}-${entry.mode}-tab`}
              aria-selected={selected}
              // Only the mounted panel exists: pointing at a missing id is an ARIA error.
              aria-controls={selected ? `${baseId}-${entry.mode}-panel` : undefined}
              tabIndex={selected ? 0 : -1}
              onClick={() => setMode(entry.mode)}
              data-testid={`mode-${entry.mode}`}
              className={`rounded-md px-4 py-1.5 text-sm font-semibold transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-orange-600 ${
                selected
                  ? "bg-orange-700 text-white dark:bg-orange-600 dark:text-zinc-950"
                  : "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
              }`}
            >
              {entry.tab}
            </button>
          );
        })}
      </div>
      <div role="tabpanel" id={`${baseId}-${mode}-panel`} aria-labelledby={`${baseId}-${mode}-tab`}>
        {mode === "share" ? share : request}
      </div>
    </>
  );
}
