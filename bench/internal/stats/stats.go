// Package stats turns latency samples into the figures the benchmark reports: percentiles, the median of
// per-round medians with its inter-quartile range, and the "added" deltas against a baseline path.
package stats

import (
	"math"
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0..100) of samples by the nearest-rank method, which never
// interpolates a latency nobody observed. It returns 0 for no samples. samples is not modified.
func Percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return percentileSorted(s, p)
}

func percentileSorted(s []time.Duration, p float64) time.Duration {
	if p <= 0 {
		return s[0]
	}
	if p >= 100 {
		return s[len(s)-1]
	}
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	return s[rank-1]
}

// Summary is the distribution of one set of samples.
type Summary struct {
	N   int           `json:"n"`
	P50 time.Duration `json:"p50_ns"`
	P90 time.Duration `json:"p90_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
}

// Summarize computes N, p50, p90, p99 and max in one sort.
func Summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return Summary{N: len(s), P50: percentileSorted(s, 50), P90: percentileSorted(s, 90), P99: percentileSorted(s, 99), Max: s[len(s)-1]}
}

// Spread is a median with its inter-quartile range, all in the same unit.
type Spread struct {
	Median float64 `json:"median"`
	Q1     float64 `json:"q1"`
	Q3     float64 `json:"q3"`
}

// MedianIQR returns the median and quartiles of xs (linear interpolation between order statistics, which is
// what a reader expects for the handful of rounds this is used on). Zero for no values.
func MedianIQR(xs []float64) Spread {
	if len(xs) == 0 {
		return Spread{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return Spread{Median: quantile(s, 0.5), Q1: quantile(s, 0.25), Q3: quantile(s, 0.75)}
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	frac := pos - float64(lo)
	return sorted[lo] + (sorted[hi]-sorted[lo])*frac
}

// Micros converts a duration to microseconds as a float.
func Micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// Ratio returns a/b, or 0 when b is not positive (a ratio to a floor that measured nothing means nothing).
func Ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}
