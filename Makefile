# NineRouter's build and test entry points. `make test` is THE test command (CI's .ci/run calls it); `make run`
# installs what is missing, builds and starts the desktop app. Every target installs what it needs through
# scripts/deps.sh (apt packages, the wails CLI v2.12.0, Go modules, npm packages), so both work on a fresh
# Debian/Ubuntu machine.
SHELL := /bin/bash
GO ?= go
BIN := build/bin
OUT := build/out
# Desktop build tags (desktop,production + the WebKitGTK ABI found here), chosen in scripts/lib.sh.
DESKTOP_TAGS = $(shell bash -c '. scripts/lib.sh && echo $$DESKTOP_TAGS')
LDFLAGS := -s -w

.PHONY: all deps frontend build headless windows windows-installer run test smoke bad-input install-desktop clean

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

# windows-installer: the same plus the NSIS installer (build/windows/installer/project.nsi).
windows-installer: frontend
	@bash scripts/deps.sh --nsis
	wails build -platform windows/amd64 -s -m -skipbindings -nsis -o ninerouter.exe
	@ls $(BIN)/*installer*.exe

# run: installs what is missing, builds, starts the desktop app (or focuses the running one).
run: build
	./$(BIN)/ninerouter

# test: everything CI checks, with a timing line per step (scripts/test.sh).
test:
	@bash scripts/test.sh

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
	rm -rf $(BIN) $(OUT)

# Benchmark targets (issue 6). The rest of this Makefile belongs to the build/CI owner; these two stay as they are.

.PHONY: bench bench-smoke

# bench: the full benchmark on loopback (under 5 minutes on 2 cores). Writes bench/out/result.{json,md}, the CPU
# profile, and docs/benchmark.md (commit that after a run on a quiet machine). The web UI is built first so the
# measured binary embeds what ships.
bench: frontend
	$(GO) run ./bench/cmd/nrbench -out bench/out -docs docs/benchmark.md

# bench-smoke: every lane with tiny counts, a few seconds once built; no timing assertions. CI runs it to keep
# the harness alive.
bench-smoke:
	$(GO) run ./bench/cmd/nrbench -smoke -out bench/out/smoke
