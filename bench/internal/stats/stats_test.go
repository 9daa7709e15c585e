package stats

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	us := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Microsecond
		}
		return out
	}
	tests := []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", us(7), 99, 7 * time.Microsecond},
		{"median odd", us(5, 1, 3), 50, 3 * time.Microsecond},
		{"median even takes the lower rank", us(4, 1, 3, 2), 50, 2 * time.Microsecond},
		{"p99 of 100 is the 99th", us(seq(100)...), 99, 99 * time.Microsecond},
		{"p100 is the max", us(9, 2, 5), 100, 9 * time.Microsecond},
		{"p0 is the min", us(9, 2, 5), 0, 2 * time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.samples, tt.p); got != tt.want {
				t.Errorf("Percentile(%v, %v) = %v, want %v", tt.samples, tt.p, got, tt.want)
			}
		})
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func TestPercentileDoesNotReorderInput(t *testing.T) {
	in := []time.Duration{3, 1, 2}
	Percentile(in, 50)
	if in[0] != 3 || in[1] != 1 || in[2] != 2 {
		t.Fatalf("input reordered: %v", in)
	}
}

func TestMedianIQR(t *testing.T) {
	tests := []struct {
		in   []float64
		want Spread
	}{
		{nil, Spread{}},
		{[]float64{4}, Spread{4, 4, 4}},
		{[]float64{5, 1, 3}, Spread{Median: 3, Q1: 2, Q3: 4}},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, Spread{Median: 5, Q1: 3, Q3: 7}},
	}
	for _, tt := range tests {
		if got := MedianIQR(tt.in); got != tt.want {
			t.Errorf("MedianIQR(%v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestSummarizeAndRatio(t *testing.T) {
	s := Summarize([]time.Duration{4, 1, 3, 2, 100})
	if s.N != 5 || s.P50 != 3 || s.Max != 100 || s.P99 != 100 {
		t.Fatalf("Summarize = %+v", s)
	}
	if Ratio(3, 0) != 0 || Ratio(3, 2) != 1.5 {
		t.Fatal("Ratio")
	}
	if Micros(1500*time.Nanosecond) != 1.5 {
		t.Fatal("Micros")
	}
}
