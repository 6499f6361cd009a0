/**
 * The per-request log line, batched: lines finished in one turn of the event loop go out
 * in one write at the end of it (setImmediate), not one console.log each. On Linux a
 * write to a pipe or file is a synchronous syscall per call, and under load console.log's
 * formatting and syscall were about 5% of an API request (issue 15). Every request is
 * still logged, with the same fields and never an id; only the number of writes changes.
 * Lines can come out after a warning logged in the same turn.
 */
import { writeSync } from "node:fs";

/** Enough to bound the memory of one turn's batch; a full batch is written at once. */
const MAX_BATCH = 256;

interface Batch {
  lines: string[];
  scheduled: boolean;
}

const BATCH_KEY = Symbol.for("burnlink.requestLog");

/** One batch per process: every route bundle has its own copy of this module. */
function batch(): Batch {
  const holder = globalThis as unknown as Record<symbol, Batch | undefined>;
  let current = holder[BATCH_KEY];
  if (!current) {
    const created: Batch = { lines: [], scheduled: false };
    // Lines of the last turn are not lost when the process exits (process.exit on SIGTERM).
    process.once("exit", () => {
      if (created.lines.length > 0) writeSync(1, `${created.lines.join("\n")}\n`);
      created.lines.length = 0;
    });
    holder[BATCH_KEY] = created;
    current = created;
  }
  return current;
}

function flush(current: Batch): void {
  current.scheduled = false;
  if (current.lines.length === 0) return;
  const text = `${current.lines.join("\n")}\n`;
  current.lines.length = 0;
  process.stdout.write(text);
}

export interface RequestLogFields {
  method: string;
  /** The route TEMPLATE (`/api/secrets/[id]/reveal`), never the path: no ids in the log. */
  route: string;
  status: number;
  ms: number;
}

export function logRequest(fields: RequestLogFields): void {
  const current = batch();
  current.lines.push(
    JSON.stringify({ level: "info", msg: "request", method: fields.method, route: fields.route, status: fields.status, ms: fields.ms }),
  );
  if (current.lines.length >= MAX_BATCH) flush(current);
  else if (!current.scheduled) {
    current.scheduled = true;
    setImmediate(flush, current);
  }
}
