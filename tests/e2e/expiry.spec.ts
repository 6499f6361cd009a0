import { accessProof, formatManageLink, formatShareLink, sealSecret } from "../../lib/crypto";
import { expect, open, test } from "./fixtures";

test("a secret that expired unopened says so to the recipient, and the manage page agrees", async ({ page, guard, request, baseURL }) => {
  const config = await (await request.get("/api/config")).json();
  const ttlSeconds = 2;
  expect(config.minTtlSeconds, "playwright.config.ts lowers MIN_TTL_SECONDS for this test").toBeLessThanOrEqual(ttlSeconds);

  const text = `expires soon ${Date.now()}`;
  guard.forbid("plaintext", text);
  const sealed = await sealSecret({ text });
  const created = await request.post("/api/secrets", {
    data: {
      id: sealed.id,
      ciphertext: sealed.ciphertext,
      accessVerifier: sealed.accessVerifier,
      unlockVerifier: sealed.unlockVerifier,
      manageVerifier: sealed.manageVerifier,
      ttlSeconds,
      maxViews: 1,
    },
  });
  expect(created.status()).toBe(201);
  const origin = new URL(baseURL ?? "").origin;
  const shareLink = formatShareLink(origin, sealed.linkKey, false);
  const manageLink = formatManageLink(origin, sealed.id, sealed.manageKey);
  guard.forbidLinks(shareLink, manageLink);

  const { id, access } = accessProof(sealed.linkKey);
  await expect
    .poll(async () => (await request.post(`/api/secrets/${id}/check`, { data: { access } })).status(), {
      timeout: (ttlSeconds + 10) * 1000,
    })
    .toBe(410);

  await open(page, shareLink);
  await expect(page.getByTestId("gone-expired")).toContainText("This secret has expired");
  await expect(page.getByTestId("gone-expired")).toContainText(/at .*\d{1,2}:\d{2}/);

  await open(page, manageLink);
  await expect(page.getByTestId("manage-state")).toHaveText("Expired");
});
