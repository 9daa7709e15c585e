# NineRouter headless router in a container: a static binary (CGO_ENABLED=0, -tags headless: no window, tray or
# GUI library), run as a non-root user, data in a volume, health checked on /healthz.
#
#   docker build -t ninerouter .
#   docker run -d --name ninerouter -p 127.0.0.1:20128:20128 -v ninerouter-data:/data \
#     -e NINEROUTER_PASSWORD='choose-a-dashboard-password' -e NINEROUTER_SECRET_KEY="$(openssl rand -hex 32)" ninerouter
#
# Inside a container the router must listen on 0.0.0.0 to be reachable through the published port, and a
# non-loopback bind refuses to start without a dashboard password (NINEROUTER_PASSWORD sets it on the first
# start; later starts keep the stored one) and requires client API keys (`docker exec ninerouter ninerouter key
# create`). There is no OS keychain in a container: provider keys and tokens go to /data/secrets.json (mode
# 0600), encrypted with NINEROUTER_SECRET_KEY when set; keep that key outside the volume. Publish the port on
# 127.0.0.1 unless other machines must reach it. docs/packaging.md has the details.

# 1. The web UI (embedded by the Go build). Vite 8 needs Node ^20.19 or >= 22.12.
FROM node:22-bookworm-slim AS ui
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

# 2. The static headless binary. GOTOOLCHAIN=auto fetches the go.mod toolchain from the module proxy when the
# image's Go is older.
FROM golang:1.26-bookworm AS build
ENV CGO_ENABLED=0 GOTOOLCHAIN=auto
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=ui /src/frontend/dist ./frontend/dist
ARG VERSION=docker
RUN go build -tags headless -trimpath \
      -ldflags "-s -w -X github.com/ninerouter/ninerouter/backend/version.Version=${VERSION}" \
      -o /out/ninerouter . \
 && /out/ninerouter version

# 3. The runtime: Alpine for busybox wget (the health check) and CA certificates (upstream providers are HTTPS).
FROM alpine:3.22
RUN apk add --no-cache ca-certificates tzdata \
 && addgroup -S -g 10001 ninerouter \
 && adduser -S -D -H -u 10001 -G ninerouter -h /data ninerouter \
 && mkdir -p /data && chown ninerouter:ninerouter /data && chmod 0700 /data
COPY --from=build /out/ninerouter /usr/local/bin/ninerouter
USER ninerouter:ninerouter
ENV HOME=/data NINEROUTER_DATA_DIR=/data NINEROUTER_ADDR=0.0.0.0:20128 NINEROUTER_SECRET_STORE=file
VOLUME ["/data"]
EXPOSE 20128
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:20128/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/ninerouter"]
CMD ["serve"]
