package translate_test

import (
	"testing"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/jsonguard"
	"github.com/ninerouter/ninerouter/backend/translate/internal/fixtures"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// BenchmarkEventCheck: the check every passthrough (and decoded) stream event gets (ir.CheckEvent), over each
// recorded benchmark stream: the depth guard followed by gjson's validator, as it was, against the single scan
// that replaced them (jsonguard.Valid). Equal verdicts: jsonguard's FuzzValid.
func BenchmarkEventCheck(b *testing.B) {
	streams, _, _ := fixtures.LoadAll(b)
	byName := map[string]fixtures.Fixture{}
	for _, fx := range streams {
		byName[fx.Name] = fx
	}
	checks := []struct {
		name string
		ok   func([]byte) bool
	}{
		{"two-scans", func(d []byte) bool { return jsonguard.Check(d) == nil && gjson.ValidBytes(d) }},
		{"one-scan", func(d []byte) bool { return jsonguard.Valid(d) == nil }},
	}
	for _, up := range wire.Formats {
		var events [][]byte
		size := 0
		for _, ev := range byName[benchStreams[up]].Events {
			if len(ev.Data) > 0 && ev.Data[0] == '{' {
				events = append(events, []byte(ev.Data))
				size += len(ev.Data)
			}
		}
		for _, c := range checks {
			b.Run(string(up)+"/"+c.name, func(b *testing.B) {
				b.SetBytes(int64(size))
				for b.Loop() {
					for _, d := range events {
						if !c.ok(d) {
							b.Fatalf("event refused: %s", d)
						}
					}
				}
			})
		}
	}
}
