# Production image. The Node major here is the LTS the test suite also runs on (npm run test:lts), and
# test/image.test.ts reproduces the install below in a temporary folder and starts the server from it.

FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:26-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

FROM node:26-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json ./
COPY examples/cluster-state.yaml ./examples/cluster-state.yaml
# A numeric non-root user: Kubernetes can verify runAsNonRoot without a passwd entry.
USER 65532:65532
EXPOSE 8443 9090
# A young generation of 4 MB semi-spaces, not one sized from the node's memory (on a 24 GiB machine its new
# space reached 76 MB, 27.5 MB with the flag): the hostile 3 MiB reviews of bench:worst peak under 210 MB
# instead of up to 246 MB, at no measurable CPU cost. The same as package.json's config.nodeFlags, which
# npm start and the benchmarks use.
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/src/cli/main.js"]
CMD ["serve", "--live", "--host", "0.0.0.0", "--metrics-host", "0.0.0.0"]
