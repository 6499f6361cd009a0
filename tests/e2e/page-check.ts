/**
 * One page state checked: a full-page screenshot (kept under test-results/screenshots as a
 * CI artifact, named after the state, the colour scheme and the width) and an axe scan that
 * must find no serious or critical violation.
 */
import AxeBuilder from "@axe-core/playwright";
import type { Page, TestInfo } from "@playwright/test";
import { expect } from "./fixtures";

export const SCREENSHOT_DIR = "test-results/screenshots";

export async function checkPage(page: Page, testInfo: TestInfo, name: string) {
  const scheme = (await page.evaluate(() => window.matchMedia("(prefers-color-scheme: dark)").matches)) ? "dark" : "light";
  const width = page.viewportSize()?.width ?? 0;
  // Let the reveal and manage pages settle (fonts, focus rings) before the picture.
  await page.evaluate(() => document.fonts.ready);
  const path = `${SCREENSHOT_DIR}/${name}-${scheme}-${width}.png`;
  await page.screenshot({ path, fullPage: true, animations: "disabled" });
  await testInfo.attach(`${name}-${scheme}-${width}`, { path, contentType: "image/png" });

  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  const severe = results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
  expect(severe, `axe on ${name} (${scheme}, ${width}px)`).toEqual([]);
}
