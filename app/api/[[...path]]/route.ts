import { ApiFailure, withApi } from "@/lib/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// Any method on /api itself or an unknown /api/... path – 404 not_found as JSON, never the HTML 404 page
const notFound = withApi("/api/[[...path]]", () => {
  throw new ApiFailure("not_found", "There is no such API endpoint.");
});

export const GET = notFound;
export const HEAD = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
export const OPTIONS = notFound;
