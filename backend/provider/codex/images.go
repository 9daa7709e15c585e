package codex

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/ninerouter/ninerouter/backend/provider"
)

// The Codex backend does not fetch image URLs itself: an `input_image` must carry the picture as a data URL
// (docs/subscriptions.md, "Codex images"). ImageFetcher fetches the http(s) images a client named and inlines
// them, within bounds: at most MaxImages per request, MaxBytes each, only PNG, JPEG, GIF and WebP (by their
// bytes, not the server's word), 15 s in all. Only public addresses are fetched: a loopback, private,
// link-local or otherwise internal address is refused after DNS resolution and on every redirect, so a request
// cannot make NineRouter read a service on the user's machine or network.
type ImageFetcher struct {
	client    *http.Client
	MaxBytes  int64
	MaxImages int
}

// Image limits.
const (
	imageTimeout   = 15 * time.Second
	imageMaxBytes  = 20 << 20
	imageMaxImages = 16
)

var imageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// ErrInternalAddress is returned for an image URL whose host resolves to a non-public address.
var ErrInternalAddress = errors.New("the image address is not a public internet address")

// NewImageFetcher builds a fetcher; allowInternal lets tests fetch from their loopback servers.
func NewImageFetcher(allowInternal bool) *ImageFetcher {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowInternal {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !public(ap.Addr()) {
				return fmt.Errorf("%w (%s)", ErrInternalAddress, address)
			}
			return nil
		}
	}
	// No proxy: through a proxy the address check would see the proxy, not the image's host.
	tr := &http.Transport{DialContext: d.DialContext, Proxy: nil, TLSHandshakeTimeout: 10 * time.Second,
		ResponseHeaderTimeout: imageTimeout, MaxIdleConns: 4, IdleConnTimeout: 30 * time.Second}
	return &ImageFetcher{client: &http.Client{Transport: uaTransport{tr}, Timeout: imageTimeout,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			return nil
		}}, MaxBytes: imageMaxBytes, MaxImages: imageMaxImages}
}

type uaTransport struct{ next http.RoundTripper }

func (t uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", provider.UserAgent())
	r.Header.Set("Accept", "image/png, image/jpeg, image/gif, image/webp")
	return t.next.RoundTrip(r)
}

func public(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && !a.IsLoopback() && !a.IsPrivate() && !a.IsLinkLocalUnicast() && !a.IsLinkLocalMulticast() &&
		!a.IsMulticast() && !a.IsUnspecified() && !a.IsInterfaceLocalMulticast() &&
		!netip.MustParsePrefix("100.64.0.0/10").Contains(a) // carrier-grade NAT, often internal
}

// imageRef is one remote image of a Responses body: its JSON path and URL.
type imageRef struct{ path, url string }

// imageRefs lists the http(s) `input_image.image_url`s of a Responses body. The body must be valid JSON (the API
// validated the client's body and the translators write valid JSON): gjson reads malformed JSON leniently, and a
// path found there may not hold the URL once rewritten.
func imageRefs(body []byte) []imageRef {
	var refs []imageRef
	for i, item := range gjson.GetBytes(body, "input").Array() {
		for j, part := range item.Get("content").Array() {
			u := part.Get("image_url")
			if part.Get("type").String() == "input_image" && u.Type == gjson.String &&
				(strings.HasPrefix(u.String(), "http://") || strings.HasPrefix(u.String(), "https://")) {
				refs = append(refs, imageRef{fmt.Sprintf("input.%d.content.%d.image_url", i, j), u.String()})
			}
		}
	}
	return refs
}

// Inline replaces every http(s) `input_image.image_url` of a Responses body with a data URL.
func (f *ImageFetcher) Inline(ctx context.Context, body []byte) ([]byte, error) {
	refs := imageRefs(body)
	if len(refs) == 0 {
		return body, nil
	}
	if len(refs) > f.MaxImages {
		return nil, fmt.Errorf("the request names %d image URLs; at most %d are fetched for Codex", len(refs), f.MaxImages)
	}
	ctx, cancel := context.WithTimeout(ctx, imageTimeout)
	defer cancel()
	for _, r := range refs {
		data, err := f.fetch(ctx, r.url)
		if err != nil {
			return nil, fmt.Errorf("image %s could not be fetched for Codex (which takes images only inline): %w", r.url, err)
		}
		if body, err = sjson.SetBytes(body, r.path, data); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// fetch downloads one image and returns it as a data URL.
func (f *ImageFetcher) fetch(ctx context.Context, rawURL string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the server answered %s", resp.Status)
	}
	if resp.ContentLength > f.MaxBytes {
		return "", fmt.Errorf("it is %d bytes; at most %d are inlined", resp.ContentLength, f.MaxBytes)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, f.MaxBytes+1))
	if err != nil {
		return "", err
	}
	if int64(len(raw)) > f.MaxBytes {
		return "", fmt.Errorf("it is larger than %d bytes", f.MaxBytes)
	}
	typ := http.DetectContentType(raw)
	if !imageTypes[typ] {
		return "", fmt.Errorf("it is %s, not a PNG, JPEG, GIF or WebP image", typ)
	}
	return "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(raw), nil
}
