# Placeholder: the production image (distroless, non-root, tested runtime) is its own piece of work.
# This builds and runs the same artifacts as `npm run build` and `npm start`.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve", "--host", "0.0.0.0", "--tls-cert-file", "/tls/tls.crt", "--tls-key-file", "/tls/tls.key", "--cluster-state", "/state/cluster-state.yaml"]
