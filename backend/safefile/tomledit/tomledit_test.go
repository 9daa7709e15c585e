package tomledit

import (
	"bytes"
	"testing"
)

const codexConfig = `# Codex settings
model = "gpt-5.5" # my default
approval_policy = "on-request"
notify = [
  "bash", "-lc",
  "echo done # not a comment",
]
instructions = """
multi-line [not.a.table]
"""

[mcp_servers.node_repl]
command = "node"
args = ["repl.js"]

# trusted projects
[projects."/home/me/code"]
trust_level = "trusted"

[hooks.state]
"abc" = "sha256:1"
`

func TestRootKeysAndTableRoundTrip(t *testing.T) {
	for _, src := range []string{codexConfig, "", "model = 'x'", "[tui]\nx = 1\n", "# only a comment\n\n[a]\nb = 1", "a = 1\r\n\r\n[t]\r\nb = 2\r\n"} {
		d, err := Parse([]byte(src))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		old, hadModel := d.RootRaw("model")
		if err := d.SetRoot("model", Quote("ninerouter/active")); err != nil {
			t.Fatal(err)
		}
		if err := d.SetRoot("model_provider", Quote("ninerouter")); err != nil {
			t.Fatal(err)
		}
		if err := d.AppendTable("Managed by NineRouter", "model_providers.ninerouter", []KV{{"name", Quote("NineRouter")}, {"base_url", Quote("http://127.0.0.1:1/v1")}, {"wire_api", Quote("responses")}}); err != nil {
			t.Fatal(err)
		}
		dec := d.Decoded()
		if dec["model_provider"] != "ninerouter" || dec["model"] != "ninerouter/active" {
			t.Fatalf("root keys not at the root:\n%s", d.Bytes())
		}
		mp := dec["model_providers"].(map[string]any)["ninerouter"].(map[string]any)
		if mp["wire_api"] != "responses" {
			t.Fatalf("table: %v", mp)
		}
		t.Logf("applied:\n%s", d.Bytes())
		if err := d.RemoveTable("model_providers.ninerouter", "Managed by NineRouter"); err != nil {
			t.Fatal(err)
		}
		if err := d.DeleteRoot("model_provider"); err != nil {
			t.Fatal(err)
		}
		if hadModel {
			err = d.SetRoot("model", old)
		} else {
			err = d.DeleteRoot("model")
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(d.Bytes(), []byte(src)) && (src == "" || src[len(src)-1] == '\n') {
			t.Fatalf("round trip:\n got %q\nwant %q", d.Bytes(), src)
		}
	}
}

func TestRejectsInvalid(t *testing.T) {
	for _, src := range []string{"a = ", "[a\nb=1", "a = 1\na = 2", `a = "unterminated`} {
		if _, err := Parse([]byte(src)); err == nil {
			t.Errorf("%q parsed", src)
		}
	}
}

func FuzzSetRoot(f *testing.F) {
	for _, s := range []string{codexConfig, "", "a = 1", "[t]\nk = 'v'\n", "x = [\n1,\n2]\n[y]", "s = '''\n[z]\n'''\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := Parse(src)
		if err != nil {
			return
		}
		before := d.Decoded()
		if _, ok := before["zz_nr"]; ok {
			return
		}
		if _, ok := before["model_providers"]; ok {
			return
		}
		if err := d.SetRoot("zz_nr", Quote("v")); err != nil {
			t.Fatalf("set: %v\n%q", err, src)
		}
		if d.Decoded()["zz_nr"] != "v" {
			t.Fatalf("zz_nr not at the root:\n%q", d.Bytes())
		}
		if err := d.AppendTable("n", "model_providers.nr", []KV{{"a", "1"}}); err != nil {
			t.Fatalf("append: %v\n%q", err, src)
		}
		if err := d.RemoveTable("model_providers.nr", "n"); err != nil {
			t.Fatal(err)
		}
		if err := d.DeleteRoot("zz_nr"); err != nil {
			t.Fatal(err)
		}
		if len(src) > 0 && src[len(src)-1] == '\n' && !bytes.Equal(d.Bytes(), src) {
			t.Fatalf("round trip:\n got %q\nwant %q", d.Bytes(), src)
		}
	})
}
