"use client";

import { useEffect } from "react";

/**
 * Marks <html data-hydrated> once React has hydrated, so tests (and anyone checking the
 * CSP) can tell a page whose scripts ran from one whose scripts were blocked.
 */
export function HydrationMarker() {
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return null;
}
