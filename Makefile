# NineRouter's build and test entry points. `make test` is THE test command (CI's .ci/run calls it); `make run`
# installs what is missing, builds and starts the desktop app. Every target installs what it needs through
# scripts/deps.sh (apt packages, the wails CLI v2.12.0, Go modules, npm packages), so both work on a fresh
# Debian/Ubuntu machine.
SHELL := /bin/bash
# The Go and Node that scripts/deps.sh installs when the system's are missing or too old (first on PATH), and
# where Go puts the tools it installs (the wails CLI).
NINEROUTER_TOOLS ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/ninerouter
export PATH := $(NINEROUTER_TOOLS)/go/bin:$(NINEROUTER_TOOLS)/node/bin:$(PATH):/usr/local/go/bin:$(HOME)/go/bin
GO ?= go
BIN := build/bin
OUT := build/out
# Desktop build tags (desktop,production + the WebKitGTK ABI found here), chosen in scripts/lib.sh.
DESKTOP_TAGS = $(shell bash -c '. scripts/lib.sh && echo $$DESKTOP_TAGS')
LDFLAGS := -s -w

# The released version (wails.json's info.productVersion): stamped into packaged binaries and package names.
VERSION := $(shell sed -n 's/.*"productVersion": *"\([^"]*\)".*/\1/p' wails.json)
VERSION_LDFLAGS := -X github.com/ninerouter/ninerouter/backend/version.Version=$(VERSION)
PKG := build/pkg

.PHONY: all deps frontend build headless windows windows-installer run test smoke bad-input install-desktop clean
.PHONY: package package-linux package-webkit41

all: build headless

# deps: apt packages, wails CLI, Go modules, npm packages; a no-op when all are there.
deps:
	@bash scripts/deps.sh

# frontend: the web UI in frontend/dist, embedded by both binaries.
frontend: deps
	@bash scripts/frontend.sh

# build: the desktop app (window + tray + router): build/bin/ninerouter.
build: frontend
	CGO_ENABLED=1 $(GO) build -tags $(DESKTOP_TAGS) -ldflags "$(LDFLAGS)" -o $(BIN)/ninerouter .

# headless: the router without window or tray, no GUI library, no cgo: build/bin/ninerouter-headless.
headless: frontend
	CGO_ENABLED=0 $(GO) build -tags headless -ldflags "$(LDFLAGS)" -o $(BIN)/ninerouter-headless .

# windows: cross-builds build/bin/ninerouter.exe with the wails CLI (icon, manifest and version resources; pure-Go
# WebView2 loader, no cgo). -m: never `go mod tidy` the shared go.mod; -s: the UI is already built.
windows: frontend
	wails build -platform windows/amd64 -s -m -skipbindings -o ninerouter.exe
	@test -f $(BIN)/ninerouter.exe && echo "built $(BIN)/ninerouter.exe"

# windows-installer: the same plus the per-user NSIS installer (build/windows/installer/project.nsi):
# build/bin/NineRouter-amd64-installer.exe. wails exits 0 without an installer when makensis is missing, hence
# the check.
windows-installer: frontend
	@bash scripts/deps.sh --nsis
	wails build -platform windows/amd64 -s -m -skipbindings -nsis -ldflags "$(VERSION_LDFLAGS)" -o ninerouter.exe
	@ls -l $(BIN)/NineRouter-amd64-installer.exe

# package: every installer this machine can build: the .deb and .rpm (build/pkg/) and the Windows installer
# (build/bin/). The macOS .app and .dmg need a Mac: .github/workflows/macos.yml. docs/packaging.md.
package: package-linux windows-installer

# package-linux: .deb and .rpm of the desktop app for the WebKitGTK ABI this machine builds (4.0 on Debian 12),
# with nfpm (internal/cmd/package, build/linux/nfpm.yaml). The dependencies follow the libraries the binary links.
package-linux: frontend
	@bash scripts/deps.sh --packaging
	CGO_ENABLED=1 $(GO) build -tags $(DESKTOP_TAGS) -ldflags "$(LDFLAGS) $(VERSION_LDFLAGS)" -o $(PKG)/bin/ninerouter .
	$(GO) run ./internal/cmd/package -bin $(PKG)/bin/ninerouter -out $(PKG) -version $(VERSION)

# package-webkit41: the same linked against WebKitGTK 4.1 (libsoup 3): the package for Ubuntu 24.04 and later,
# Debian 13 and Fedora. Installs libwebkit2gtk-4.1-dev (Debian 12 ships both ABIs).
package-webkit41: frontend
	@bash scripts/deps.sh --packaging --webkit41
	CGO_ENABLED=1 $(GO) build -tags desktop,production,webkit2_41 -ldflags "$(LDFLAGS) $(VERSION_LDFLAGS)" -o $(PKG)/bin-webkit41/ninerouter .
	$(GO) run ./internal/cmd/package -bin $(PKG)/bin-webkit41/ninerouter -out $(PKG) -version $(VERSION)

# run: installs what is missing, builds, starts the desktop app (or focuses the running one).
run: build
	./$(BIN)/ninerouter

# test: everything CI checks, with a timing line per step (scripts/test.sh).
test:
	@bash scripts/test.sh

# types: frontend/src/lib/types.ts from the Go types the management API writes (internal/cmd/tsgen; its test
# fails when the committed file is out of date).
.PHONY: types
types:
	$(GO) run ./internal/cmd/tsgen

# smoke: only the desktop smoke test (Xvfb + D-Bus + keyring + tray watcher) on a fresh build.
smoke: build
	$(GO) build -o $(BIN)/trayprobe ./internal/cmd/trayprobe
	bash scripts/smoke-desktop.sh $(BIN)/ninerouter $(BIN)/trayprobe $(OUT)

# bad-input: unknown flags, a port in use, an unreadable data dir, no display, on both binaries.
bad-input: build headless
	bash scripts/bad-input.sh $(BIN)/ninerouter $(BIN)/ninerouter-headless

# install-desktop: binary, icon and XDG desktop entry for the current user.
install-desktop: build
	install -Dm755 $(BIN)/ninerouter $(HOME)/.local/bin/ninerouter
	install -Dm644 app/icons/window.png $(HOME)/.local/share/icons/hicolor/256x256/apps/ninerouter.png
	install -Dm644 build/linux/ninerouter.desktop $(HOME)/.local/share/applications/ninerouter.desktop

clean:
	rm -rf $(BIN) $(OUT) $(PKG)

# Benchmark targets (issue 6). The rest of this Makefile belongs to the build/CI owner; these two stay as they are.

.PHONY: bench bench-smoke pgo

# bench: the full benchmark on loopback (under 5 minutes on 2 cores). Writes bench/out/result.{json,md}, the CPU
# profile, and docs/benchmark.md (commit that after a run on a quiet machine). The web UI is built first so the
# measured binary embeds what ships.
bench: frontend
	$(GO) run ./bench/cmd/nrbench -out bench/out -docs docs/benchmark.md

# bench-smoke: every lane with tiny counts, a few seconds once built; no timing assertions. CI runs it to keep
# the harness alive.
bench-smoke:
	$(GO) run ./bench/cmd/nrbench -smoke -out bench/out/smoke

# pgo: refresh default.pgo, the profile `go build` uses for profile-guided optimisation of the router (lane P of
# the benchmark, three runs merged; scripts/pgo.sh). Commit it after a run on a quiet machine.
pgo:
	bash scripts/pgo.sh
