package cli

import "testing"

// TestUSD: the CLI formats money as the window does (frontend/src/lib/format.test.ts has the same cases).
func TestUSD(t *testing.T) {
	for _, tc := range []struct {
		n    float64
		want string
	}{
		{0, "$0.00"}, {12.345, "$12.35"}, {0.1234, "$0.123"}, {0.00042, "$0.0004"}, {1.5, "$1.50"}, {0.025, "$0.025"},
		{0.00012, "$0.0001"}, {-2.5, "-$2.50"},
	} {
		if got := usd(tc.n); got != tc.want {
			t.Errorf("usd(%v) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
