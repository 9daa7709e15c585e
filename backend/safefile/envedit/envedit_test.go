package envedit

import "testing"

func TestEditKeepsOtherLines(t *testing.T) {
	src := "# my keys\nexport GEMINI_API_KEY=\"old key\"\nOTHER=1\n"
	d, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	old, _ := d.Raw("GEMINI_API_KEY")
	d.Set("GEMINI_API_KEY", "nr-abc")
	d.Set("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:1")
	want := "# my keys\nexport GEMINI_API_KEY=nr-abc\nOTHER=1\nGOOGLE_GEMINI_BASE_URL=http://127.0.0.1:1\n"
	if string(d.Bytes()) != want {
		t.Fatalf("got %q", d.Bytes())
	}
	if v, _ := d.Value("GEMINI_API_KEY"); v != "nr-abc" {
		t.Fatalf("value %q", v)
	}
	d.Delete("GOOGLE_GEMINI_BASE_URL")
	d.SetRaw("GEMINI_API_KEY", old)
	if string(d.Bytes()) != src {
		t.Fatalf("round trip %q", d.Bytes())
	}
}

func FuzzEnv(f *testing.F) {
	f.Add([]byte("A=1\nB='x'\n"))
	f.Add([]byte("export A = 2\r\n#c\r\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		d, err := Parse(src)
		if err != nil {
			return
		}
		if _, ok := d.Raw("ZZ_NR"); ok {
			return
		}
		d.Set("ZZ_NR", "v w")
		if v, ok := d.Value("ZZ_NR"); !ok || v != "v w" {
			t.Fatalf("value %q %v in %q", v, ok, d.Bytes())
		}
		d.Delete("ZZ_NR")
		if len(src) > 0 && src[len(src)-1] == '\n' && string(d.Bytes()) != string(src) {
			t.Fatalf("round trip %q -> %q", src, d.Bytes())
		}
	})
}
