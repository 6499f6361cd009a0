/**
 * Exactly-once across instances, on every store (issue 5, PROTOCOL.md §4 "Reveal, its
 * view count and its failure count are one atomic step in every store").
 *
 * Each store gets real app processes (`node lib/server/start.mjs`, what `npm start`
 * runs): two sharing one backend for Redis, Upstash (the bridge in front of a real
 * redis-server) and a 3-master Redis Cluster, one for the memory store, which lives
 * inside its process by design. Against them: 1,000 concurrent reveals of 50 secrets,
 * passphrase races, and expiry with a 1-second minimum TTL and a 2-second retention,
 * observed from outside with no clean-up job running.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newClaim, openSecret, revealProofs } from "@/lib/crypto";
import type { NextServer } from "../support/next-server";
import {
  checkSecret,
  createSecret,
  makeSecret,
  report,
  revealSecret,
  revealWithClaim,
  secretStatus,
  startBackend,
  startInstances,
  waitFor,
  type Answer,
  type Backend,
  type TestSecret,
} from "./support";

const ATTEMPTS = 5;
const RETENTION_SECONDS = 2;
const MAX_VIEWS_CYCLE = [1, 2, 5, 10] as const;
const SECRET_COUNT = 50;
const REVEAL_COUNT = 1_000;

/**
 * How many reveals each secret gets: the first twelve get at most their maxViews (so
 * "min(requests, maxViews)" is tested from both sides), the rest share what is left.
 */
function revealPlan(maxViews: number[]): number[] {
  const fewer = maxViews.slice(0, 12).map((views) => Math.max(1, views - 1));
  const left = REVEAL_COUNT - fewer.reduce((sum, count) => sum + count, 0);
  const many = maxViews.length - fewer.length;
  const plan = [...fewer, ...Array.from({ length: many }, (_, i) => Math.floor(left / many) + (i < left % many ? 1 : 0))];
  expect(plan.reduce((sum, count) => sum + count, 0)).toBe(REVEAL_COUNT);
  return plan;
}

/** Interleaves the requests of all secrets, so every secret is raced from both instances at once. */
function interleave<T>(groups: T[][]): T[] {
  const out: T[] = [];
  for (let round = 0; out.length < groups.reduce((sum, group) => sum + group.length, 0); round++) {
    for (const group of groups) {
      const item = group[round];
      if (item !== undefined) out.push(item);
    }
  }
  return out;
}

/** Answers counted by status, error and reason, e.g. {"410 gone viewed": 3}. */
function tally(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const key = [answer.status, answer.body.error, answer.body.reason].filter((part) => part !== undefined).join(" ");
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function goneBody(answer: Answer) {
  return [answer.status, answer.body.error, answer.body.reason];
}

interface PassphraseSecret {
  secret: TestSecret;
  /** The unlock proof of a wrong passphrase: PBKDF2 really ran with the secret's salt. */
  wrongUnlock: string;
}

async function passphraseSecret(label: string): Promise<PassphraseSecret> {
  const secret = await makeSecret(`${label} ${randomUUID()}`, { maxViews: 1, passphrase: "correct horse battery staple" });
  const wrong = await revealProofs(secret.sealed.linkKey, "Tr0ub4dor&3");
  return { secret, wrongUnlock: wrong.unlock };
}

// PBKDF2 (600,000 rounds) is the slow part: seal these once and create them on every store.
let attemptsSecret: PassphraseSecret;
let duelSecrets: PassphraseSecret[];

beforeAll(async () => {
  const sealed = await Promise.all(Array.from({ length: 5 }, (_, i) => passphraseSecret(`passphrase secret ${i}`)));
  attemptsSecret = sealed[0] as PassphraseSecret;
  duelSecrets = sealed.slice(1);
});

describe.each(["redis", "upstash", "redis-cluster", "memory"] as const)("on the %s store", (kind) => {
  let backend: Backend;
  let servers: NextServer[] = [];
  /** The instance that answers the i-th request: round robin, like a load balancer. */
  const at = (i: number) => (servers[i % servers.length] as NextServer).url;

  beforeAll(async () => {
    backend = await startBackend(kind);
    servers = await startInstances(backend.instances, {
      ...backend.env,
      MIN_TTL_SECONDS: "1",
      META_RETENTION_SECONDS: String(RETENTION_SECONDS),
      PASSPHRASE_ATTEMPTS: String(ATTEMPTS),
    });
  });

  afterAll(async () => {
    const codes = await Promise.all(servers.map((server) => server.stop()));
    await backend?.stop();
    // A server that crashed during the suite would not exit 0 on SIGTERM.
    expect(codes.every((code) => code === 0)).toBe(true);
  });

  it(`gives 1,000 concurrent claimed reveals of 50 secrets exactly min(requests, maxViews) successes each, every one decrypting to its own content, 410 gone to the rest, and each winner's retry on the other instance the same answer for free`, async () => {
    const secrets = await Promise.all(
      Array.from({ length: SECRET_COUNT }, (_, i) =>
        makeSecret(`race ${i}: ${randomUUID()}`, { maxViews: MAX_VIEWS_CYCLE[i % MAX_VIEWS_CYCLE.length] }),
      ),
    );
    const created = await Promise.all(secrets.map((secret, i) => createSecret(at(i), secret)));
    expect(created.map((answer) => answer.status)).toEqual(secrets.map(() => 201));

    const plan = revealPlan(secrets.map((secret) => secret.maxViews));
    // Every reveal is a v1.1 attempt with its own claim (PROTOCOL.md §6), as the web app and the CLI send.
    const jobs = interleave(
      secrets.map((secret, index) => Array.from({ length: plan[index] ?? 0 }, () => ({ secret, index, claim: newClaim() }))),
    );
    const started = performance.now();
    // A 503 under this load (the store's deadline passed) is retried with the same claim: the
    // final answers are what the clients end with.
    const answers = await Promise.all(
      jobs.map((job, i) => revealWithClaim(at(i), job.secret, job.claim).then(({ answer, retried }) => ({ ...job, answer, retried }))),
    );
    const elapsedMs = performance.now() - started;

    // Each winner asks again through the other instance, as after a lost answer: the same
    // ciphertext and viewsLeft, and (checked by the status below) no second view. A sample of
    // losers stays 410. A few at a time: this is the retry, not a second race.
    const askAgain = [
      ...answers.filter((entry) => entry.answer.status === 200),
      ...answers.filter((entry) => entry.answer.status !== 200).slice(0, 50),
    ];
    const retries: { entry: (typeof answers)[number]; retry: Answer }[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, worker) => {
        for (let i = worker; i < askAgain.length; i += 20) {
          const entry = askAgain[i] as (typeof answers)[number];
          retries.push({ entry, retry: (await revealWithClaim(at(i + 1), entry.secret, entry.claim)).answer });
        }
      }),
    );
    for (const { entry, retry } of retries) {
      if (entry.answer.status === 200) expect([retry.status, retry.body]).toEqual([200, entry.answer.body]);
      else expect([retry.status, retry.body.reason]).toEqual([410, "viewed"]);
    }

    for (const [index, secret] of secrets.entries()) {
      const mine = answers.filter((entry) => entry.index === index).map((entry) => entry.answer);
      const wins = mine.filter((answer) => answer.status === 200);
      const expected = Math.min(plan[index] ?? 0, secret.maxViews);
      // Everyone else is told it is gone (410 viewed): no 503 for a view that was used up.
      expect({ secret: index, wins: wins.length, others: tally(mine.filter((answer) => answer.status !== 200)) }).toEqual({
        secret: index,
        wins: expected,
        others: mine.length > expected ? { "410 gone viewed": mine.length - expected } : {},
      });
      for (const win of wins) {
        expect(openSecret(win.body.ciphertext as string, secret.encryptionKey)).toEqual({ text: secret.text });
      }
      // Each winner saw a different count: the decrements were serialised.
      expect(wins.map((win) => win.body.viewsLeft as number).sort((a, b) => a - b)).toEqual(
        Array.from({ length: expected }, (_, i) => secret.maxViews - expected + i),
      );
    }

    const statuses = await Promise.all(secrets.map((secret, i) => secretStatus(at(i + 1), secret)));
    expect(statuses.map((status) => status.status)).toEqual(secrets.map(() => 200));
    for (const [index, status] of statuses.entries()) {
      const secret = secrets[index] as TestSecret;
      const wins = Math.min(plan[index] ?? 0, secret.maxViews);
      const events = status.body.events as { type: string }[];
      expect({
        state: status.body.state,
        viewsLeft: status.body.viewsLeft,
        viewed: events.filter((event) => event.type === "viewed").length,
      }).toEqual({
        state: wins === secret.maxViews ? "viewed" : "active",
        viewsLeft: secret.maxViews - wins,
        viewed: wins,
      });
    }
    report(`${kind} reveal race`, {
      instances: servers.length,
      reveals: REVEAL_COUNT,
      successes: answers.filter(({ answer }) => answer.status === 200).length,
      winnerRetriesAnsweredTheSame: retries.filter(({ entry, retry }) => entry.answer.status === 200 && retry.status === 200).length,
      firstAnswer503: answers.filter(({ retried }) => retried > 0).length,
      deliveredAfter503: answers.filter(({ retried, answer }) => retried > 0 && answer.status === 200).length,
      elapsedMs: Math.round(elapsedMs),
      revealsPerSecond: Math.round((REVEAL_COUNT / elapsedMs) * 1000),
    });
  }, 300_000);

  it("never counts concurrent wrong passphrases past the limit, and burns the secret exactly once", async () => {
    const { secret, wrongUnlock } = attemptsSecret;
    expect((await createSecret(at(0), secret)).status).toBe(201);

    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => revealSecret(at(i), secret, wrongUnlock)));
    const refused = answers.filter((answer) => answer.status === 403);
    expect(refused.map((answer) => answer.body.error)).toEqual(Array(ATTEMPTS).fill("wrong_passphrase"));
    // One answer per count: every failure was counted once, and none after the limit.
    expect(refused.map((answer) => answer.body.attemptsLeft as number).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    for (const answer of answers.filter((answer) => answer.status !== 403)) {
      expect(goneBody(answer)).toEqual([410, "gone", "attempts"]);
    }

    // The right passphrase is now too late, and the record agrees with the answers.
    expect(goneBody(await revealSecret(at(1), secret))).toEqual([410, "gone", "attempts"]);
    const status = await secretStatus(at(0), secret);
    const events = (status.body.events as { type: string; count?: number }[]).map((event) => [event.type, event.count ?? 1]);
    expect([status.body.state, status.body.failedAttempts]).toEqual(["burned", ATTEMPTS]);
    // The failures may come from two instances' clients but one recorded network: one coalesced event.
    expect(events).toEqual([["created", 1], ["wrong_passphrase", ATTEMPTS], ["burned", 1]]);
  });

  it("lets a right passphrase racing the last wrong ones either reveal or find the secret burned, never both", async () => {
    const outcomes: string[] = [];
    for (const [round, { secret, wrongUnlock }] of duelSecrets.entries()) {
      expect((await createSecret(at(round), secret)).status).toBe(201);
      for (let i = 0; i < ATTEMPTS - 1; i++) {
        expect((await revealSecret(at(i), secret, wrongUnlock)).body.attemptsLeft).toBe(ATTEMPTS - 1 - i);
      }
      // One right and three wrong attempts at once; the right one sent at a different place each round.
      const unlocks = [wrongUnlock, wrongUnlock, wrongUnlock];
      unlocks.splice(round % 4, 0, secret.unlock);
      const answers = await Promise.all(unlocks.map((unlock, i) => revealSecret(at(i + round), secret, unlock)));
      const right = answers[round % 4] as Answer;
      const wrong = answers.filter((answer) => answer !== right);
      const status = await secretStatus(at(round), secret);

      if (right.status === 200) {
        outcomes.push("revealed");
        expect(openSecret(right.body.ciphertext as string, secret.encryptionKey)).toEqual({ text: secret.text });
        // After the only view, the wrong attempts find it viewed: none counted, none burned it.
        expect(wrong.map(goneBody)).toEqual(Array(3).fill([410, "gone", "viewed"]));
        expect([status.body.state, status.body.failedAttempts]).toEqual(["viewed", ATTEMPTS - 1]);
      } else {
        outcomes.push("burned");
        expect(goneBody(right)).toEqual([410, "gone", "attempts"]);
        const last = wrong.filter((answer) => answer.status === 403);
        expect(last.map((answer) => [answer.body.error, answer.body.attemptsLeft])).toEqual([["wrong_passphrase", 0]]);
        expect(wrong.filter((answer) => answer.status !== 403).map(goneBody)).toEqual(Array(2).fill([410, "gone", "attempts"]));
        expect([status.body.state, status.body.failedAttempts]).toEqual(["burned", ATTEMPTS]);
      }
    }
    report(`${kind} passphrase duel`, { revealed: outcomes.filter((o) => o === "revealed").length, burned: outcomes.filter((o) => o === "burned").length });
  });

  it(`is gone at expiry (410 expired while the record is retained, 404 after ${RETENTION_SECONDS} s of retention) with no clean-up job`, async () => {
    const secret = await makeSecret(`expiring ${randomUUID()}`, { maxViews: 3, ttlSeconds: 3 });
    const created = await createSecret(at(0), secret);
    expect(created.status).toBe(201);
    const expiresAtMs = Date.parse(created.body.expiresAt as string);

    const before = await revealSecret(at(1), secret);
    expect([before.status, before.body.viewsLeft]).toEqual([200, 2]);

    // Poll from the instance that did not create it; nothing else touches the secret.
    const gone = await waitFor(
      async () => {
        const answer = await checkSecret(at(1), secret);
        return answer.status === 200 ? undefined : { answer, seenAtMs: Date.now() };
      },
      "the secret to expire",
      { timeoutMs: expiresAtMs - Date.now() + 10_000 },
    );
    expect(gone.seenAtMs).toBeGreaterThanOrEqual(expiresAtMs);
    expect([gone.answer.status, gone.answer.body.error, gone.answer.body.reason, gone.answer.body.at]).toEqual([
      410,
      "gone",
      "expired",
      new Date(expiresAtMs).toISOString(),
    ]);
    expect(goneBody(await revealSecret(at(0), secret))).toEqual([410, "gone", "expired"]);
    const status = await secretStatus(at(0), secret);
    expect([status.status, status.body.state, status.body.viewsLeft]).toEqual([200, "expired", 0]);
    const expiredAfterMs = gone.seenAtMs - expiresAtMs;

    const forgotten = await waitFor(
      async () => {
        const answer = await checkSecret(at(0), secret);
        return answer.status === 410 ? undefined : { answer, seenAtMs: Date.now() };
      },
      "the record to pass its retention",
      { timeoutMs: expiresAtMs + RETENTION_SECONDS * 1000 - Date.now() + 10_000 },
    );
    expect(forgotten.seenAtMs).toBeGreaterThanOrEqual(expiresAtMs + RETENTION_SECONDS * 1000);
    expect([forgotten.answer.status, forgotten.answer.body.error]).toEqual([404, "not_found"]);
    expect((await revealSecret(at(1), secret)).status).toBe(404);
    expect((await secretStatus(at(1), secret)).status).toBe(404);
    report(`${kind} expiry`, {
      goneAfterExpiryMs: expiredAfterMs,
      notFoundAfterRetentionMs: forgotten.seenAtMs - expiresAtMs - RETENTION_SECONDS * 1000,
    });
  });
});
