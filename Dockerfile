# airisk-identity container image.
#
#   docker build -t airisk-identity .
#   docker run --rm -p 3000:3000 -v airisk-identity-data:/data \
#     -e ISSUER=https://identity.example.com \
#     -e ADMIN_API_KEY="$(openssl rand -hex 32)" \
#     -e EVENTSTORE_CONNECTION_STRING='kurrentdb://eventstore.example.com:2113' \
#     -e MONGODB_URI='mongodb://mongo.example.com:27017/airisk_identity?replicaSet=rs0' \
#     airisk-identity
#
# The image runs with NODE_ENV=production, which refuses to start without ADMIN_API_KEY and an
# https ISSUER: the public URL at which a TLS-terminating proxy in front of port 3000 serves the
# service. docker-compose.yml is a complete local example (Caddy, EventStoreDB, MongoDB). /data
# holds the signing keys: keep it on a volume, shared by every instance.
#
# Both stages use the same base image on purpose: node_modules (including the
# natively compiled better-sqlite3 addon) is built in the first stage and copied
# into the second, so Node's ABI and glibc must match exactly.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------
# build: full dependency tree + toolchain for node-gyp, compile TypeScript
# (SWC, a devDependency: dist/ needs none of it at run time), then drop
# devDependencies so node_modules can be copied as-is.
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build

# better-sqlite3 is compiled by node-gyp when no prebuilt binary applies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first so this layer is cached until the manifests change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY .swcrc ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------
# runtime: production dependencies + compiled output only, non-root.
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data

WORKDIR /app

# The application files stay owned by root (read-only for the service); only
# the data directory is writable by the unprivileged `node` user (uid 1000).
# A named volume mounted on /data inherits this ownership on first use.
RUN mkdir -p /data && chown node:node /data && chmod 700 /data

COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

USER node

VOLUME /data
EXPOSE 3000

# slim images ship no curl: probe readiness with Node's built-in fetch.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["node", "dist/main.js"]
