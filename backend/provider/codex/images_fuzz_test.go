package codex

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// FuzzImageRefs: in a valid JSON body (the only kind the router passes on), every reference found is an http(s) URL at a path that holds exactly that URL, and replacing
// it there (what Inline does with the fetched image) leaves valid JSON whose other references are unchanged.
func FuzzImageRefs(f *testing.F) {
	f.Add([]byte(`{"input":[{"role":"user","content":[{"type":"input_image","image_url":"https://example.com/a.png"},{"type":"input_text","text":"x"}]}]}`))
	f.Add([]byte(`{"input":[{"content":[{"type":"input_image","image_url":"data:image/png;base64,AA"}]},{"content":"s"}]}`))
	f.Add([]byte(`{"input":"just text"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if !gjson.ValidBytes(body) {
			return
		}
		refs := imageRefs(body)
		for _, r := range refs {
			if !strings.HasPrefix(r.url, "http://") && !strings.HasPrefix(r.url, "https://") {
				t.Fatalf("not an http(s) URL: %q", r.url)
			}
			if got := gjson.GetBytes(body, r.path).String(); got != r.url {
				t.Fatalf("%s holds %q, not %q", r.path, got, r.url)
			}
		}
		if len(refs) == 0 {
			return
		}
		out, err := sjson.SetBytes(body, refs[0].path, "data:image/png;base64,AA")
		if err != nil || !gjson.ValidBytes(out) || len(imageRefs(out)) != len(refs)-1 {
			t.Fatalf("replacing %s: %v, %d refs left of %d", refs[0].path, err, len(imageRefs(out)), len(refs))
		}
	})
}
