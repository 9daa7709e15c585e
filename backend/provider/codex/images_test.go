package codex_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/codex"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func imageServer(t *testing.T) *httptest.Server {
	pic := pngBytes(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cat.png":
			w.Header().Set("Content-Type", "application/octet-stream") // the bytes decide, not the header
			w.Write(pic)
		case "/page.html":
			w.Header().Set("Content-Type", "image/png") // a lie
			io.WriteString(w, "<html><body>not an image</body></html>")
		case "/big.png":
			w.Write(append(append([]byte(nil), pic...), make([]byte, 2048)...))
		case "/hop":
			http.Redirect(w, r, "/cat.png", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func request(url string) []byte {
	return []byte(`{"model":"gpt-5.4","input":[{"role":"user","content":[{"type":"input_text","text":"what is this?"},` +
		`{"type":"input_image","image_url":"` + url + `"},{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]}]}`)
}

// TestInlineImages: a remote image becomes a data URL in the request the Codex backend receives; the bytes
// decide the type; size, type, status and count limits give clear errors.
func TestInlineImages(t *testing.T) {
	srv := imageServer(t)
	f := codex.NewImageFetcher(true)
	f.MaxBytes = 1024
	x := codex.Executor{Images: f}
	call := func(url string) (string, error) {
		req, err := x.NewRequest(context.Background(), provider.Call{BaseURL: "https://chatgpt.com/backend-api/codex",
			Model: "gpt-5.4", Format: wire.Responses, Body: request(url), Credential: provider.Credential{AccessToken: "at"}})
		if err != nil {
			return "", err
		}
		b, _ := io.ReadAll(req.Body)
		return string(b), nil
	}
	for _, path := range []string{"/cat.png", "/hop"} {
		body, err := call(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		got := gjson.Get(body, "input.0.content.1.image_url").String()
		if got != "data:image/png;base64,"+base64.StdEncoding.EncodeToString(pngBytes(t)) {
			t.Fatalf("%s: image_url = %.60s", path, got)
		}
		if gjson.Get(body, "input.0.content.2.image_url").String() != "data:image/png;base64,AAAA" {
			t.Fatal("an inline image was changed")
		}
	}
	cases := map[string]string{"/page.html": "not a PNG", "/big.png": "larger than 1024", "/missing.png": "404"}
	for path, want := range cases {
		if _, err := call(srv.URL + path); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Fatalf("%s: got %v, want %q", path, err, want)
		}
	}
	f.MaxImages = 0
	if _, err := call(srv.URL + "/cat.png"); err == nil || !strings.Contains(err.Error(), "at most 0") {
		t.Fatalf("count limit: %v", err)
	}
}

// TestInternalAddressesRefused: the production fetcher refuses loopback, private and link-local addresses, also
// when a public-looking first hop redirects there.
func TestInternalAddressesRefused(t *testing.T) {
	srv := imageServer(t)
	f := codex.NewImageFetcher(false)
	for _, u := range []string{srv.URL + "/cat.png", "http://10.0.0.1/x.png", "http://169.254.169.254/latest/meta-data",
		"http://[::1]:1/x.png", "http://localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:] + "/cat.png"} {
		_, err := f.Inline(context.Background(), request(u))
		if !errors.Is(err, codex.ErrInternalAddress) {
			t.Fatalf("%s: want the internal-address refusal, got %v", u, err)
		}
	}
}
