/**
 * A fetch that reports how much of a large response has arrived, on stderr, when stderr is
 * a terminal. It only counts bytes passing through; the body reaches the API client intact.
 */
import { Progress, PROGRESS_MIN_BYTES, type OutputStream } from "./output";

export function fetchWithDownloadProgress(stderr: OutputStream, label: string): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (stderr.isTTY !== true || response.body === null) return response;
    const total = Number(response.headers.get("content-length") ?? "0") || undefined;
    const progress = new Progress(stderr, true);
    let received = 0;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          received += chunk.byteLength;
          if (received >= PROGRESS_MIN_BYTES || (total ?? 0) >= PROGRESS_MIN_BYTES) {
            progress.update(label, received, total);
          }
          controller.enqueue(chunk);
        },
        flush() {
          progress.clear();
        },
      }),
    );
    return new Response(counted, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
