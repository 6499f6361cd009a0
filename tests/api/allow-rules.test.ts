/**
 * The sign-in allow rules of issue 13 §3 (lib/server/auth/allow-rules.ts), for the claims
 * the test provider does not issue (tid, hd); the domain and group rules also run end to
 * end in tests/api/auth-oidc.test.ts.
 */
import { describe, expect, it } from "vitest";
import { signInRefusal } from "@/lib/server/auth/allow-rules";

const none = { allowedDomains: [], allowedTenants: [], allowedHd: [], requiredGroups: [] };

describe("signInRefusal", () => {
  it("lets anyone in when no rule is set", () => {
    expect(signInRefusal({ sub: "x" }, none)).toBeUndefined();
  });

  it("takes a listed email domain only with email_verified === true, whatever its case", () => {
    const rules = { ...none, allowedDomains: ["example.com"] };
    expect(
      signInRefusal({ email: "Alice@Example.COM", email_verified: true }, rules),
    ).toBeUndefined();
    expect(signInRefusal({ email: "alice@example.com", email_verified: "true" }, rules)).toBe(
      "Your provider has not verified your email address.",
    );
    expect(signInRefusal({ email: "alice@example.com" }, rules)).toBe(
      "Your provider has not verified your email address.",
    );
    expect(
      signInRefusal({ email: "alice@example.com.evil.test", email_verified: true }, rules),
    ).toBe("Your email domain may not sign in here.");
    expect(signInRefusal({ email: "alice@sub.example.com", email_verified: true }, rules)).toBe(
      "Your email domain may not sign in here.",
    );
  });

  it("requires a listed tenant (tid) and hosted domain (hd) when those rules are set", () => {
    expect(signInRefusal({ tid: "t-1" }, { ...none, allowedTenants: ["t-1"] })).toBeUndefined();
    expect(signInRefusal({ tid: "t-2" }, { ...none, allowedTenants: ["t-1"] })).toBe(
      "Your organisation (tenant) may not sign in here.",
    );
    expect(signInRefusal({}, { ...none, allowedTenants: ["t-1"] })).toBe(
      "Your organisation (tenant) may not sign in here.",
    );
    expect(
      signInRefusal({ hd: "Example.com" }, { ...none, allowedHd: ["example.com"] }),
    ).toBeUndefined();
    expect(signInRefusal({}, { ...none, allowedHd: ["example.com"] })).toBe(
      "Your hosted domain may not sign in here.",
    );
  });

  it("requires one of the groups, and every configured rule at once", () => {
    const rules = { ...none, requiredGroups: ["eng", "ops"], allowedTenants: ["t-1"] };
    expect(signInRefusal({ groups: ["ops"], tid: "t-1" }, rules)).toBeUndefined();
    expect(signInRefusal({ groups: ["sales"], tid: "t-1" }, rules)).toBe(
      "You are not in a group that may sign in here.",
    );
    expect(signInRefusal({ groups: "eng", tid: "t-1" }, rules)).toBe(
      "You are not in a group that may sign in here.",
    );
    expect(signInRefusal({ groups: ["eng"], tid: "t-9" }, rules)).toBe(
      "Your organisation (tenant) may not sign in here.",
    );
  });
});
