package ir

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// DecodeContent reads the content shape OpenAI's Chat and Responses wires share: either a JSON string (one text
// block) or an array of typed parts, each turned into a block by conv (ok=false drops a part this neutral model
// has no block for).
func DecodeContent[P any](raw json.RawMessage, conv func(P) (Block, bool)) ([]Block, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return nil, nil
	}
	if s[0] == '"' {
		var t string
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, err
		}
		return []Block{{Kind: Text, Text: t}}, nil
	}
	var parts []P
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, err
	}
	out := make([]Block, 0, len(parts))
	for _, p := range parts {
		if b, ok := conv(p); ok {
			out = append(out, b)
		}
	}
	return out, nil
}

// ImageBlock reads an image URL (the Chat and Responses wires carry images as URLs), splitting data URIs into
// media type and base64 bytes.
func ImageBlock(url string) Block {
	if rest, ok := strings.CutPrefix(url, "data:"); ok {
		if meta, data, ok := strings.Cut(rest, ","); ok {
			mt, _, _ := strings.Cut(meta, ";")
			return Block{Kind: Image, MediaType: mt, ImageData: data}
		}
	}
	return Block{Kind: Image, ImageURL: url}
}

// ImageURL writes an image block as a URL (data URI for inline bytes).
func ImageURL(b Block) string {
	if b.ImageURL != "" {
		return b.ImageURL
	}
	mt := b.MediaType
	if mt == "" {
		mt = "image/png"
	}
	return "data:" + mt + ";base64," + b.ImageData
}

// SetModel is the passthrough rewrite most formats share: only `model` (and `stream` when forced), every other
// byte as the client sent it.
func SetModel(body []byte, model string, stream bool) ([]byte, error) {
	if err := CheckPassthrough(body, "model", "stream"); err != nil {
		return nil, err
	}
	var err error
	if model != "" && gjson.GetBytes(body, "model").String() != model {
		if body, err = sjson.SetBytes(body, "model", model); err != nil {
			return nil, err
		}
	}
	if stream && !gjson.GetBytes(body, "stream").Bool() {
		body, err = sjson.SetBytes(body, "stream", true)
	}
	return body, err
}

// CheckPassthrough is what every passthrough rewrite checks first: one JSON object (an upstream reads nothing
// else) in which each of keys appears at most once. gjson reads the first of duplicate keys and an upstream's
// JSON reader the last, so {"model":"m","model":"x"} was routed and rewritten as m and answered as x, and a
// second "stream":false turned the forced stream off.
func CheckPassthrough(body []byte, keys ...string) error {
	if !gjson.ValidBytes(body) {
		return fmt.Errorf("body is not valid JSON")
	}
	top := gjson.ParseBytes(body)
	if !top.IsObject() {
		return fmt.Errorf("body is not a JSON object")
	}
	if len(keys) == 0 {
		return nil
	}
	var err error
	seen := make(map[string]bool, len(keys))
	top.ForEach(func(k, _ gjson.Result) bool {
		for _, key := range keys {
			if k.String() == key {
				if seen[key] {
					err = fmt.Errorf("body names %q more than once", key)
					return false
				}
				seen[key] = true
			}
		}
		return true
	})
	return err
}
