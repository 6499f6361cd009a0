"use client";

import { useEffect, useState } from "react";
import { copyText } from "@/components/browser/clipboard";
import { Button, type ButtonSize, type ButtonVariant } from "./button";

/** A copy button that says "Copied" for a moment, announced to screen readers. */
export function CopyButton({
  text,
  label = "Copy",
  variant = "secondary",
  size = "md",
  className = "",
}: {
  text: string;
  label?: string;
  variant?: ButtonVariant;
  size?: ButtonSize;
  className?: string;
}) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");

  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);

  return (
    <Button
      variant={variant}
      size={size}
      className={className}
      onClick={() => copyText(text).then(() => setState("copied"), () => setState("failed"))}
    >
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : label}</span>
    </Button>
  );
}
