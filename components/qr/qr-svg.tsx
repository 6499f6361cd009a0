import { encodeQr, qrPath } from "./qr-code";

const QUIET_ZONE_MODULES = 4;

/**
 * The QR code of `value`, drawn here as SVG: the share link carries its key, so no image
 * service may ever see it. Always dark on white, which phone cameras read best, also in
 * dark mode.
 */
export function QrSvg({ value, label, className = "" }: { value: string; label: string; className?: string }) {
  const matrix = encodeQr(value);
  const extent = matrix.size + QUIET_ZONE_MODULES * 2;
  return (
    <svg
      role="img"
      aria-label={label}
      viewBox={`0 0 ${extent} ${extent}`}
      shapeRendering="crispEdges"
      className={`rounded-lg bg-white ${className}`}
      data-testid="share-qr"
    >
      <rect width={extent} height={extent} fill="#fff" />
      <path d={qrPath(matrix, QUIET_ZONE_MODULES)} fill="#000" />
    </svg>
  );
}
