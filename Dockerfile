# Burnlink as a container: the standalone bundle of `npm run build` on Node 24, run as the
# unprivileged `node` user. The same steps as tests/deploy/standalone.test.ts, which proves
# them on a machine without Docker: build, copy only .next/standalone, run
# `node lib/server/start.mjs` as a non-root user.
FROM node:24-bookworm-slim AS build
WORKDIR /src
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000 HOSTNAME=0.0.0.0
WORKDIR /app
# Owned by root and read-only to the server: it cannot rewrite its own code.
COPY --from=build /src/.next/standalone ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "lib/server/start.mjs"]
