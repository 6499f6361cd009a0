// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  // Tests and parallel builds may use their own output folder; production uses .next.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  reactStrictMode: true,
};

module.exports = nextConfig;
