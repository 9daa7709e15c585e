package jsonguard

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestCheckDepth(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		deep bool
	}{
		{"empty", ``, 2, false},
		{"scalar", `"x"`, 2, false},
		{"flat object", `{"a":1,"b":[1,2]}`, 2, false},
		{"at the limit", `[[1]]`, 2, false},
		{"one past the limit", `[[[1]]]`, 2, true},
		{"objects count too", `{"a":{"b":{}}}`, 2, true},
		{"brackets in strings do not count", `{"a":"[[[[{{{{"}`, 2, false},
		{"escaped quote keeps the string open", `{"a":"\"[[[["}`, 2, false},
		{"escaped backslash closes the string", `{"a":"\\"}`, 1, false},
		{"escaped backslash then brackets count", `["\\",[[1]]]`, 2, true},
		{"siblings do not add up", `[[1],[2],[3]]`, 2, false},
		{"unbalanced closers do not go negative", `]]]][[`, 2, false},
		{"unbalanced closers then too deep", `]]]][[[`, 2, true},
		{"unicode escapes", `["\u005b\u005b\u005b"]`, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckDepth([]byte(tt.in), tt.max)
			if got := err != nil; got != tt.deep {
				t.Fatalf("CheckDepth(%q, %d) = %v, want too deep: %v", tt.in, tt.max, err, tt.deep)
			}
			if err != nil && !errors.Is(err, ErrTooDeep) {
				t.Fatalf("error %v is not ErrTooDeep", err)
			}
		})
	}
}

func TestDepthErrorOffset(t *testing.T) {
	err := CheckDepth([]byte(`{"a":[[[`), 2)
	var de *DepthError
	if !errors.As(err, &de) || de.Offset != 6 || de.Max != 2 {
		t.Fatalf("got %#v, want offset 6 max 2", err)
	}
	if !strings.Contains(err.Error(), "deeper than 2 levels") {
		t.Fatalf("message %q", err)
	}
}

// The attack of issue #9 finding 1: ten million '[' in a 20 MB body. The scan must fail fast without recursion.
func TestCheckTenMillionBrackets(t *testing.T) {
	b := bytes.Repeat([]byte("[["), 5_000_000)
	if err := Check(b); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("Check(10^7 '[') = %v", err)
	}
	// Just under the limit everywhere, but long: still fine.
	ok := []byte(strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth))
	if err := Check(ok); err != nil {
		t.Fatalf("depth %d refused: %v", MaxDepth, err)
	}
}

func TestScannerAcrossWrites(t *testing.T) {
	doc := `{"s":"a\"[[[","x":[[[1]]]}`
	for split := 0; split <= len(doc); split++ {
		s := Scanner{Max: 3}
		_, err1 := s.Write([]byte(doc[:split]))
		_, err2 := s.Write([]byte(doc[split:]))
		if err1 == nil && err2 == nil {
			t.Fatalf("split at %d: depth 4 not caught", split)
		}
		var de *DepthError
		if err := errors.Join(err1, err2); !errors.As(err, &de) || de.Offset != int64(strings.Index(doc, "[[[1")+2) {
			t.Fatalf("split at %d: %v", split, err)
		}
	}
	// As an io.Writer behind a TeeReader, the way an import would use it.
	var s Scanner
	if _, err := io.Copy(&s, strings.NewReader(strings.Repeat("[", MaxDepth+1))); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("io.Copy: %v", err)
	}
	s.Reset()
	if _, err := s.Write([]byte(`[1]`)); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
}

func TestCheckAllocatesNothing(t *testing.T) {
	b := []byte(`{"model":"x","messages":[{"role":"user","content":[{"type":"text","text":"hi \"[{"}]}]}`)
	if n := testing.AllocsPerRun(100, func() { _ = Check(b) }); n != 0 {
		t.Fatalf("Check allocates %v times per run", n)
	}
}

// maxDepth measures nesting of valid JSON with encoding/json's token stream (a non-recursive reference).
func maxDepth(b []byte) int {
	dec := json.NewDecoder(bytes.NewReader(b))
	depth, max := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return max
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '[' || d == '{' {
				depth++
				if depth > max {
					max = depth
				}
			} else {
				depth--
			}
		}
	}
}

// FuzzCheckDepth compares the scanner with encoding/json on valid documents and checks that nothing panics on
// anything else.
func FuzzCheckDepth(f *testing.F) {
	for _, s := range []string{`{}`, `[[[]]]`, `{"a":"[\"{"}`, `["\\",{"b":[1,{"c":null}]}]`, `"\u0022["`, `[`} {
		f.Add([]byte(s), 3)
	}
	f.Fuzz(func(t *testing.T, b []byte, max int) {
		if max < 1 || max > 64 {
			max = 1 + (max%64+64)%64
		}
		err := CheckDepth(b, max)
		if !json.Valid(b) {
			return
		}
		want := maxDepth(b) > max
		if got := err != nil; got != want {
			t.Fatalf("CheckDepth(%q, %d) = %v; encoding/json depth %d", b, max, err, maxDepth(b))
		}
	})
}
