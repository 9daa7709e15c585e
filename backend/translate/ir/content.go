package ir

import (
	"encoding/json"
	"strings"
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
