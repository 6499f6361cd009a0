/**
 * The "Sharing safely" page: the advice is always there, and the operator's own policy
 * (GUIDELINES_FILE here, to prove the _FILE form through the real server) is shown as
 * text: markup in it is escaped, never rendered.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_START_TIMEOUT_MS, startNextServer, type NextServer } from "../support/next-server";

const POLICY = 'Share only with named people.\n<script>alert("x")</script> <b>bold</b>';

describe("the sharing-safely page", () => {
  let server: NextServer;
  beforeAll(async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "burnlink-guidelines-")), "policy.txt");
    writeFileSync(file, `${POLICY}\n`);
    server = await startNextServer({ env: { GUIDELINES_FILE: file } });
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });

  it("shows the operator's policy as escaped text and the advice", async () => {
    const response = await fetch(`${server.url}/sharing-safely`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(
      "Share only with named people.\n&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;",
    );
    expect(html).not.toContain('<script>alert("x")');
    expect(html).not.toContain("<b>bold</b>");
    expect(html).toContain("send it through another channel");
    expect(html).toContain("When a link leaked");
  });

  it("is linked from every page's footer", async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    expect(html).toMatch(/href="\/sharing-safely"/);
  });
});
