/** Lets React paint the progress step before the CPU-heavy part (encryption) starts. */
export function nextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}
