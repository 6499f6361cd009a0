/**
 * A hook that times every store command, for the metrics of issue 14 §4 without making
 * lib/store depend on lib/server: lib/server/metrics.ts installs the observer, the
 * scripted drivers report to it.
 *
 * Guarantees: the observer learns the script's name (a fixed set: one per operation),
 * the duration and, on failure, the StoreUnavailableError; never a key, an argument or a
 * reply, so nothing about a secret can reach a metric. The memory driver has no scripts:
 * each of its operations is reported under the name of the script it stands for (the
 * method name), so every driver reports the same names. An observer that throws cannot
 * change the command's outcome. The observer sits on globalThis, so every copy of this
 * module that Next's bundles load reports to the same one.
 */
import "server-only";
import type { LuaScript } from "./scripts";
import type { ScriptRunner } from "./scripted-store";

export interface StoreObserver {
  /** One finished command: `script` is a LuaScript name or "ping"; `error` when it failed. */
  command(script: string, seconds: number, error?: unknown): void;
}

const holder = globalThis as typeof globalThis & { __burnlinkStoreObserver?: StoreObserver };

export function setStoreObserver(observer: StoreObserver | undefined): void {
  holder.__burnlinkStoreObserver = observer;
}

function report(script: string, startedMs: number, error?: unknown): void {
  try {
    holder.__burnlinkStoreObserver?.command(script, (performance.now() - startedMs) / 1000, error);
  } catch {
    // Metrics must never turn a served request into a failed one.
  }
}

async function timed<T>(script: string, command: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await command();
    report(script, started);
    return result;
  } catch (error) {
    report(script, started, error);
    throw error;
  }
}

/** The same runner, with each run and ping reported to the observer. */
export function observedRunner(runner: ScriptRunner): ScriptRunner {
  return {
    run: (script: LuaScript, keys: string[], args: string[]) => timed(script.name, () => runner.run(script, keys, args)),
    ping: () => timed("ping", () => runner.ping()),
    close: () => runner.close(),
    // WAIT and CONFIG GET are not scripts: passed through untimed, and only where they exist.
    ...(runner.waitForReplicas
      ? { waitForReplicas: (key: string, replicas: number, timeoutMs: number) => runner.waitForReplicas!(key, replicas, timeoutMs) }
      : {}),
    ...(runner.persistenceSettings ? { persistenceSettings: () => runner.persistenceSettings!() } : {}),
  };
}

/**
 * The same store, with each asynchronous operation (a method that returns a promise)
 * reported under its method name; `close` and anything synchronous pass through untouched.
 */
export function observedStore<Store extends object>(store: Store): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || typeof property !== "string" || property === "close") return value;
      return (...args: unknown[]) => {
        const started = performance.now();
        const result: unknown = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (settled: unknown) => {
            report(property, started);
            return settled;
          },
          (error: unknown) => {
            report(property, started, error);
            throw error;
          },
        );
      };
    },
  });
}
