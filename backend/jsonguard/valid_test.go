package jsonguard

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tidwall/gjson"
)

// twoScans is what callers did before Valid: the depth guard, then gjson's validator.
func twoScans(b []byte, max int) error {
	if err := CheckDepth(b, max); err != nil {
		return err
	}
	if !gjson.ValidBytes(b) {
		return ErrInvalid
	}
	return nil
}

// sameVerdict fails when Valid and the two scans disagree: accepted, invalid, or too deep at the same offset.
func sameVerdict(t *testing.T, b []byte, max int) {
	t.Helper()
	got, want := ValidDepth(b, max), twoScans(b, max)
	var gd, wd *DepthError
	switch {
	case errors.As(want, &wd):
		if !errors.As(got, &gd) || *gd != *wd {
			t.Fatalf("ValidDepth(%q, %d) = %v, want %v", b, max, got, want)
		}
	case got != want:
		t.Fatalf("ValidDepth(%q, %d) = %v, want %v", b, max, got, want)
	}
}

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want error
	}{
		{`{"id":"c","choices":[{"delta":{"content":"hi"},"index":0}],"usage":null}`, 0, nil},
		{` [1, -2.5e+3, 0, true, false, null, "x\u00e9\n", {}, []] `, 0, nil},
		{`"just a string"`, 0, nil},
		{`12`, 0, nil},
		{``, 0, ErrInvalid},
		{`   `, 0, ErrInvalid},
		{`{"a":1,}`, 0, ErrInvalid},
		{`[1,]`, 0, ErrInvalid},
		{`{"a" 1}`, 0, ErrInvalid},
		{`{1:2}`, 0, ErrInvalid},
		{`01`, 0, ErrInvalid},
		{`-`, 0, ErrInvalid},
		{`1.`, 0, ErrInvalid},
		{`1e`, 0, ErrInvalid},
		{`"\x"`, 0, ErrInvalid},
		{`"\u12g4"`, 0, ErrInvalid},
		{"\"a\tb\"", 0, ErrInvalid},
		{`tru`, 0, ErrInvalid},
		{`nulls`, 0, ErrInvalid},
		{`{"a":1}{"b":2}`, 0, ErrInvalid},
		{`[[1]]`, 2, nil},
		{`[[[1]]]`, 2, ErrTooDeep},
		{`{"a":[}` + `[[[`, 2, ErrTooDeep}, // invalid first, too deep later: too deep, as Check said first
		{`[[1]] [[[`, 2, ErrTooDeep},
	} {
		err := ValidDepth([]byte(tc.in), tc.max)
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("ValidDepth(%q, %d) = %v, want %v", tc.in, tc.max, err, tc.want)
		}
		sameVerdict(t, []byte(tc.in), tc.max)
	}
}

// TestValidTenMillionBrackets: the attack of issue #9 finding 1 fails fast, without recursion.
func TestValidTenMillionBrackets(t *testing.T) {
	if err := Valid(bytes.Repeat([]byte("[["), 5_000_000)); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("got %v, want ErrTooDeep", err)
	}
}

// TestValidDeepLimit: limits past MaxDepth keep their own stack.
func TestValidDeepLimit(t *testing.T) {
	deep := append(bytes.Repeat([]byte("[{\"k\":"), 700), '1')
	for range 700 {
		deep = append(deep, "}]"...)
	}
	if err := ValidDepth(deep, 1400); err != nil {
		t.Fatalf("1400 levels under a limit of 1400: %v", err)
	}
	if err := ValidDepth(deep, 1399); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("1400 levels under a limit of 1399: %v", err)
	}
}

// FuzzValid: the single scan and the two scans it replaces give the same verdict on any input, at the default
// limit and at a small one (where the depth path is easy to reach).
func FuzzValid(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}],"c":"\u0041\"x"}`, `[[[[[]]]]]`, `{"a":1,}`, `-0.5e-3`, `"\\"`,
		`[1 2]`, `{"a":[}[[[`, " \t\n[true,false,null] \r", `{"":{"":{"":[]}}}`, `"\u00zz"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sameVerdict(t, b, 0)
		sameVerdict(t, b, 3)
	})
}
