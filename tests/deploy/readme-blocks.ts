/**
 * The README's deployment examples are the tested ones: a test takes the fenced block
 * that follows a `<!-- tested: NAME -->` marker, so the text a reader copies is the text
 * that ran.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export const README_PATH = path.resolve(__dirname, "..", "..", "README.md");

/** The body of the first fenced code block after `<!-- tested: name -->`. */
export function readmeBlock(name: string): string {
  const readme = readFileSync(README_PATH, "utf8");
  const marker = readme.indexOf(`<!-- tested: ${name} -->`);
  if (marker < 0) throw new Error(`README has no <!-- tested: ${name} --> marker`);
  const match = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(marker));
  if (!match?.[1]) throw new Error(`README has no code block after the ${name} marker`);
  return match[1];
}
