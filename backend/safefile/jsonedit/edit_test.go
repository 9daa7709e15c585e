package jsonedit

import (
	"bytes"
	"strings"
	"testing"
)

func TestInsertThenRemoveGivesBackTheBytes(t *testing.T) {
	cases := []struct {
		name string
		mode Mode
		src  string
		path []string
	}{
		{"multiline", JSON, "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": true\n  }\n}\n", nil},
		{"nested", JSON, "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": true\n  }\n}\n", []string{"b"}},
		{"inline", JSON, `{"a": 1, "b": [1, 2]}`, nil},
		{"inline spaces", JSON, `{ "a": 1 }`, nil},
		{"empty", JSON, "{}", nil},
		{"empty nested", JSON, "{\n  \"env\": {}\n}", []string{"env"}},
		{"crlf", JSON, "{\r\n\t\"a\": 1\r\n}\r\n", nil},
		{"trailing comma", JSONC, "{\n  \"a\": 1,\n}\n", nil},
		{"line comment after last", JSONC, "{\n  \"a\": 1 // keep me here\n}\n", nil},
		{"comment after comma", JSONC, "{\n  \"a\": 1, // keep me here\n}\n", nil},
		{"block comment after last", JSONC, "{\n  \"a\": 1 /* note */\n}\n", nil},
		{"json5", JSON5, "// OpenClaw\n{\n  agents: {defaults: {model: 'x/y',},},\n  models: {\n    mode: 'merge', // merge\n  },\n}\n", []string{"models"}},
		{"bom", JSON, "\xEF\xBB\xBF{\"a\": 1}", nil},
		{"comment only inside", JSONC, "{\n  // nothing yet\n}", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse([]byte(tc.src), tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			key := append(append([]string(nil), tc.path...), "ninerouter")
			if err := d.Set(key, Obj{{"baseUrl", "http://127.0.0.1:1/v1"}, {"models", []any{Obj{{"id", "m"}}}}}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(d.Bytes()), "ninerouter") {
				t.Fatalf("not inserted:\n%s", d.Bytes())
			}
			if got := d.String(append(key, "baseUrl")...); got != "http://127.0.0.1:1/v1" {
				t.Fatalf("lookup after insert = %q\n%s", got, d.Bytes())
			}
			t.Logf("after insert:\n%s", d.Bytes())
			if err := d.Delete(key); err != nil {
				t.Fatal(err)
			}
			if tc.name == "comment only inside" {
				return // the comment stays; the layout around it may differ
			}
			if !bytes.Equal(d.Bytes(), []byte(tc.src)) {
				t.Fatalf("round trip changed the bytes:\n got %q\nwant %q", d.Bytes(), tc.src)
			}
		})
	}
}

func TestReplaceKeepsEverythingElse(t *testing.T) {
	src := "{\n  // hooks stay\n  \"hooks\": {\"PreToolUse\": []},\n  \"env\": {\n    \"ANTHROPIC_BASE_URL\": \"https://old\" // old\n  }\n}\n"
	d, err := Parse([]byte(src), JSONC)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Set([]string{"env", "ANTHROPIC_BASE_URL"}, "http://127.0.0.1:9"); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(src, `"https://old"`, `"http://127.0.0.1:9"`, 1)
	if string(d.Bytes()) != want {
		t.Fatalf("got\n%s\nwant\n%s", d.Bytes(), want)
	}
}

func TestRemoveMiddleMember(t *testing.T) {
	cases := []struct{ src, want string }{
		{"{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}", "{\n  \"a\": 1,\n  \"c\": 3\n}"},
		{`{"a": 1, "b": 2, "c": 3}`, `{"a": 1, "c": 3}`},
	}
	for _, tc := range cases {
		d, err := Parse([]byte(tc.src), JSON)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Delete([]string{"b"}); err != nil {
			t.Fatal(err)
		}
		if string(d.Bytes()) != tc.want {
			t.Fatalf("got %q want %q", d.Bytes(), tc.want)
		}
	}
}

func TestRejects(t *testing.T) {
	cases := []struct {
		mode Mode
		src  string
	}{
		{JSON, `{"a": 1,}`},
		{JSON, `{"a": 1 // c` + "\n}"},
		{JSON, `{a: 1}`},
		{JSONC, `{"a": 'x'}`},
		{JSON5, `{"a": }`},
		{JSON5, `{"a": 1`},
		{JSON, `{"a": 1} x`},
		{JSON, `{"a": "\q"}`},
	}
	for _, tc := range cases {
		if _, err := Parse([]byte(tc.src), tc.mode); err == nil {
			t.Errorf("%s %q parsed", tc.mode, tc.src)
		}
	}
}

func TestJSON5Values(t *testing.T) {
	d, err := Parse([]byte(`{unquoted: 'single \'q\'', hex: 0xFF, lead: .5, plus: +1, inf: -Infinity, nested: {k: [1, 2,],},}`), JSON5)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.String("unquoted"); got != "single 'q'" {
		t.Fatalf("unquoted = %q", got)
	}
	if v, _ := d.Value("hex"); v != float64(255) {
		t.Fatalf("hex = %v", v)
	}
	if v, _ := d.Value("lead"); v != 0.5 {
		t.Fatalf("lead = %v", v)
	}
}

func FuzzInsertRemove(f *testing.F) {
	seeds := []string{
		"{}", "{\n  \"a\": 1\n}\n", `{"a": [1, {"b": null}], "c": "d"}`, "{\n  \"a\": 1, // x\n}",
		"{\r\n  \"a\": 1\r\n}", "{a: 'b', /* c */ d: 0x1F,}", "\xEF\xBB\xBF{\"x\":{}}",
	}
	for _, s := range seeds {
		for _, m := range []Mode{JSON, JSONC, JSON5} {
			f.Add([]byte(s), uint8(m))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte, mode uint8) {
		m := Mode(mode % 3)
		d, err := Parse(src, m)
		if err != nil || d.Root().Kind != Object {
			return
		}
		before := d.Bytes()
		decoded := d.Decode(d.Root())
		if d.Lookup("zz_ninerouter") != nil {
			return
		}
		if err := d.Set([]string{"zz_ninerouter"}, Obj{{"k", "v"}, {"n", []any{1, true}}}); err != nil {
			t.Fatalf("set: %v", err)
		}
		if got := d.String("zz_ninerouter", "k"); got != "v" {
			t.Fatalf("inserted value reads %q", got)
		}
		if err := d.Delete([]string{"zz_ninerouter"}); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if !Equal(d.Decode(d.Root()), decoded) {
			t.Fatalf("round trip changed the data")
		}
		if len(d.Root().Members) > 0 && !bytes.Equal(d.Bytes(), before) {
			t.Fatalf("round trip changed the bytes:\n got %q\nwant %q", d.Bytes(), before)
		}
	})
}
