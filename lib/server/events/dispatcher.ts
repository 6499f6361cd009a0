/**
 * The background loop that moves §9 events from the store's outboxes to the sinks, and the
 * expiry sweep that records secret.expired / request.expired (issue 14 §1). One per server
 * process; every instance runs one, and the per-shard leases decide who works a shard now.
 *
 * Guarantees:
 * - at least once: a subject's events are acknowledged (removed) only after EVERY sink has
 *   resolved for them; a sink that fails, a crash or a lost lease leaves them in the outbox
 *   for the next round (sinks recognise a redelivery by subject, id and seq);
 * - no double work while things are healthy: a shard's deliveries and its sweep each run
 *   under a short lease (SET NX PX) released only by its holder;
 * - expiry is late by at most EXPIRY_SWEEP_SECONDS and survives restarts: the schedule is in
 *   the store, and recording is idempotent (lib/store/event-scripts.ts);
 * - it never throws: a store outage is logged once per kind and retried on the next tick.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import type { SubjectRef } from "@/lib/store/event-keys";
import type { EventSource } from "@/lib/store/event-source";
import type { BurnlinkEvent, EventSink } from "./types";

export interface DispatcherOptions {
  /** EVENT_POLL_MS: how often the pending index is read. */
  pollMs: number;
  /** EXPIRY_SWEEP_SECONDS, in ms: how often the schedule is swept. */
  sweepMs: number;
  /** How long a shard's lease lasts; a holder that dies frees it after this. */
  leaseMs?: number;
  /** Subjects per shard and round, and events per subject. */
  subjectsPerRound?: number;
  eventsPerSubject?: number;
}

const DEFAULT_LEASE_MS = 15_000;

export class EventDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private nextSweepMs = 0;
  private readonly complaints = new Set<string>();

  constructor(
    private readonly source: EventSource,
    private readonly sinks: readonly EventSink[],
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.schedule(0);
  }

  /** Stops after the round in progress (its deliveries are acknowledged or left for later). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = undefined;
        this.schedule(this.options.pollMs);
      });
    }, delayMs);
    // The loop never keeps a stopping process alive.
    this.timer.unref();
  }

  /**
   * One pass over every shard: the sweep when it is due, then the deliveries, for the shards
   * with pending events only. Look before leasing: every instance polls every EVENT_POLL_MS,
   * idle or not, so the look is most of what an idle server asks of its store (on Upstash,
   * of its bill): one call for all shards on Redis and Upstash (busyShards). The look takes
   * nothing: whoever then holds a shard's lease reads its index again.
   */
  async round(): Promise<void> {
    const sweep = Date.now() >= this.nextSweepMs;
    if (sweep) this.nextSweepMs = Date.now() + this.options.sweepMs;
    let busy = new Set<number>();
    await this.guarded("event delivery", async () => {
      busy = new Set(await this.source.busyShards());
    });
    for (let shard = 0; shard < this.source.shards && !this.stopped; shard += 1) {
      if (sweep) await this.guarded("expiry sweep", () => this.sweepShard(shard));
      if (busy.has(shard)) await this.guarded("event delivery", () => this.deliverShard(shard));
    }
  }

  private async guarded(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
      this.complaints.delete(what);
    } catch (error) {
      if (this.complaints.has(what)) return;
      this.complaints.add(what);
      const message = error instanceof Error ? error.message.split("\n")[0]?.slice(0, 200) : "error";
      console.error(`burnlink: ${what} failed (${message}); retrying`);
    }
  }

  private async leased(job: "deliver" | "expiry", shard: number, work: () => Promise<void>): Promise<void> {
    const token = randomUUID();
    if (!(await this.source.tryLease(job, shard, token, this.options.leaseMs ?? DEFAULT_LEASE_MS))) return;
    try {
      await work();
    } finally {
      await this.source.release(job, shard, token).catch(() => undefined);
    }
  }

  private async deliverShard(shard: number): Promise<void> {
    return this.leased("deliver", shard, async () => {
      const refs = await this.source.pending(shard, this.options.subjectsPerRound ?? 100);
      if (refs.length === 0) return;
      const taken: { ref: SubjectRef; events: BurnlinkEvent[] }[] = [];
      for (const ref of refs) taken.push({ ref, events: await this.source.take(ref, this.options.eventsPerSubject ?? 100) });
      const batch = taken.flatMap((entry) => entry.events);
      // Every sink, or none is acknowledged: a failure leaves the batch for the next round.
      if (batch.length > 0) await Promise.all(this.sinks.map((sink) => sink.deliver(batch)));
      for (const { ref, events } of taken) {
        await this.source.ack(ref, events.reduce((max, event) => Math.max(max, event.seq), 0));
      }
    });
  }

  private async sweepShard(shard: number): Promise<void> {
    // The same look first: nothing due, no lease.
    if ((await this.source.dueExpiries(shard, Date.now(), 1)).length === 0) return;
    return this.leased("expiry", shard, async () => {
      const nowMs = Date.now();
      for (const ref of await this.source.dueExpiries(shard, nowMs, 500)) await this.source.expire(ref, nowMs);
    });
  }
}
