# syntax=docker/dockerfile:1
# branch-steward: build with tsc, run the compiled app with production dependencies only.

# Node 22 is a maintained LTS; the app also runs on Node 24 (and 20.18.1+, for development).
ARG NODE_VERSION=22-bookworm-slim

FROM node:${NODE_VERSION} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# lib/ is the app alone (tsconfig.build.json: src/ without tools/ and without source maps).
RUN npm run build
COPY app.yml ./
# Modes for the runtime stage: files 0644, directories and executables 0755 (writable by root only).
RUN chmod -R u=rwX,go=rX lib && chmod 0644 package.json app.yml

FROM node:${NODE_VERSION} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force && chmod -R u=rwX,go=rX node_modules

FROM node:${NODE_VERSION} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
# V8 sizes its heap for the machine (a 16 MiB young generation per semi-space, old-generation
# growth factor up to 4): the app's live heap stays near 40 MiB, but garbage promoted under
# load let RSS climb to ~240 MiB. An old-generation limit of 512 MiB keeps V8's growth factor
# low (heap trimmed near the live set) and leaves room for signed 25 MB payloads; a 4 MiB
# semi-space trims the young generation. `npm run bench` launches the app with these same
# options (tools/bench/harness.ts reads this line). Override NODE_OPTIONS to change them.
ENV NODE_OPTIONS="--max-old-space-size=512 --max-semi-space-size=4"
WORKDIR /app
# The app's files belong to root and are read-only to the runtime user (files 0644, directories and
# executables 0755): the process cannot rewrite its own code or dependencies.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
COPY --from=build /app/package.json /app/app.yml ./
# The image's unprivileged `node` user.
USER node
EXPOSE 3000
# Probot answers GET /ping with PONG.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ping').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node (not npm) is PID 1's child-free process, so SIGTERM reaches the app's graceful shutdown.
STOPSIGNAL SIGTERM
CMD ["node", "lib/main.js"]
