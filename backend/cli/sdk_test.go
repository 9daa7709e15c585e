package cli

import (
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	assestream "github.com/anthropics/anthropic-sdk-go/packages/ssestream"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
)

// What the subscription tests share: the vendors' own SDKs pointed at the router as a coding tool would use
// them (the rig requires no client key; the SDKs' own retries are off so that every failure shows), a device
// sign-in, the text of a stream, and the marks every upstream request must carry.

func (r *subsRig) anthropicSDK() anthropic.Client {
	return anthropic.NewClient(aoption.WithBaseURL("http://"+r.addr), aoption.WithAPIKey("unused"), aoption.WithMaxRetries(0))
}

func (r *subsRig) openaiSDK() openai.Client {
	return openai.NewClient(option.WithBaseURL("http://"+r.addr+"/v1/"), option.WithAPIKey("unused"), option.WithMaxRetries(0))
}

// deviceLogin runs `ninerouter login PROVIDER --no-browser` for a device flow whose code the mock vendor
// approves at once, and returns what the command printed.
func (r *subsRig) deviceLogin(t *testing.T, provider string) string {
	t.Helper()
	r.mock.AutoApprove = true
	return r.cli(t, 0, "login", provider, "--no-browser")
}

// openaiStreamText is the text of a chat completion stream.
func openaiStreamText(s *ssestream.Stream[openai.ChatCompletionChunk]) (string, error) {
	var text strings.Builder
	for s.Next() {
		if ch := s.Current(); len(ch.Choices) > 0 {
			text.WriteString(ch.Choices[0].Delta.Content)
		}
	}
	return text.String(), s.Err()
}

// anthropicStreamText is the text of a Messages stream.
func anthropicStreamText(s *assestream.Stream[anthropic.MessageStreamEventUnion]) (string, error) {
	var text strings.Builder
	for s.Next() {
		if ev := s.Current(); ev.Type == "content_block_delta" {
			text.WriteString(ev.Delta.Text)
		}
	}
	return text.String(), s.Err()
}

// signedUpstream reports whether an upstream request carried the account's Bearer token (its made-up prefix in
// the mock vendor) and NineRouter's own User-Agent.
func signedUpstream(h http.Header, tokenPrefix string) bool {
	return strings.HasPrefix(h.Get("Authorization"), "Bearer "+tokenPrefix) && strings.HasPrefix(h.Get("User-Agent"), "NineRouter/")
}
