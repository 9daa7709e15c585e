# Benchmark targets (issue 6). The rest of this Makefile belongs to the build/CI owner; these two stay as they are.
GO ?= go

.PHONY: bench bench-smoke

# bench: the full benchmark on loopback (under 5 minutes on 2 cores). Writes bench/out/result.{json,md}, the CPU
# profile, and docs/benchmark.md (commit that after a run on a quiet machine).
bench:
	$(GO) run ./bench/cmd/nrbench -out bench/out -docs docs/benchmark.md

# bench-smoke: every lane with tiny counts, a few seconds once built; no timing assertions. CI runs it to keep
# the harness alive.
bench-smoke:
	$(GO) run ./bench/cmd/nrbench -smoke -out bench/out/smoke
