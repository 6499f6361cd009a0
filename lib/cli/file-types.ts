/**
 * The media type sent with a file (PROTOCOL.md §3 `type`), guessed from its extension. Only a
 * hint for the recipient's browser; unknown extensions are `application/octet-stream`.
 */
import { extname } from "node:path";

const TYPES: Record<string, string> = {
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".json": "application/json",
  ".xml": "application/xml",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".html": "text/html",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".tar": "application/x-tar",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
  ".pem": "application/x-pem-file",
  ".crt": "application/x-x509-ca-cert",
  ".key": "application/octet-stream",
};

export function fileTypeOf(fileName: string): string {
  return TYPES[extname(fileName).toLowerCase()] ?? "application/octet-stream";
}
