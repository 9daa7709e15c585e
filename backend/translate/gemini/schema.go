package gemini

import (
	"encoding/json"
	"fmt"
	"strings"
)

// CleanSchema rewrites a JSON Schema into the OpenAPI subset Gemini's `parameters` accepts (docs/translation.md
// § Tools; CLIProxyAPI internal/util/gemini_schema.go): const becomes enum, enum values become strings, allOf is
// merged, anyOf/oneOf collapse to their first non-null branch (nullable when null was a branch), type arrays
// flatten, unsupported keywords and x-* extensions go, and required keeps only declared properties. Schemas
// are small, so decoding this one value is fine.
func CleanSchema(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage(`{"type":"object","properties":{}}`)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return json.RawMessage(`{"type":"object","properties":{}}`)
	}
	defs := map[string]any{}
	if m, ok := v.(map[string]any); ok {
		for _, k := range []string{"$defs", "definitions"} {
			if d, ok := m[k].(map[string]any); ok {
				for n, s := range d {
					defs[n] = s
				}
			}
		}
	}
	out, ok := clean(v, defs, 0).(map[string]any)
	if !ok { // `true` (JSON Schema's "anything"), `[]`, a number: Gemini refuses all but an object schema
		return json.RawMessage(`{"type":"object","properties":{}}`)
	}
	if _, ok := out["type"]; !ok {
		out["type"] = "object"
	}
	b, err := json.Marshal(out)
	if err != nil {
		return json.RawMessage(`{"type":"object","properties":{}}`)
	}
	return b
}

// allowed lists the schema keywords Gemini's parameters understand.
var allowed = map[string]bool{
	"type": true, "format": true, "description": true, "nullable": true, "enum": true, "properties": true,
	"required": true, "items": true, "minItems": true, "maxItems": true, "minimum": true, "maximum": true,
	"title": true, "minLength": true, "maxLength": true, "pattern": true, "propertyOrdering": true,
	"minProperties": true, "maxProperties": true,
}

func clean(v any, defs map[string]any, depth int) any {
	m, ok := v.(map[string]any)
	if !ok || depth > 32 {
		return v
	}
	if ref, ok := m["$ref"].(string); ok {
		name := ref[strings.LastIndexByte(ref, '/')+1:]
		if d, ok := defs[name]; ok && depth < 16 {
			return clean(d, defs, depth+1)
		}
		return map[string]any{"type": "object"}
	}
	if all, ok := m["allOf"].([]any); ok {
		merged := map[string]any{}
		props := map[string]any{}
		var req []any
		for _, s := range all {
			if sm, ok := clean(s, defs, depth+1).(map[string]any); ok {
				for k, val := range sm {
					switch k {
					case "properties":
						if pm, ok := val.(map[string]any); ok {
							for pk, pv := range pm {
								props[pk] = pv
							}
						}
					case "required":
						if rl, ok := val.([]any); ok {
							req = append(req, rl...)
						}
					default:
						merged[k] = val
					}
				}
			}
		}
		for k, val := range m {
			if k != "allOf" {
				merged[k] = val
			}
		}
		if len(props) > 0 {
			merged["properties"] = props
		}
		if len(req) > 0 {
			merged["required"] = req
		}
		m = merged
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		if alts, ok := m[k].([]any); ok {
			var pick map[string]any
			nullable := false
			for _, a := range alts {
				am, ok := a.(map[string]any)
				if !ok {
					continue
				}
				if am["type"] == "null" {
					nullable = true
					continue
				}
				if pick == nil {
					pick = am
				}
			}
			delete(m, k)
			if pick != nil {
				for pk, pv := range clean(pick, defs, depth+1).(map[string]any) {
					if _, exists := m[pk]; !exists || pk == "type" {
						m[pk] = pv
					}
				}
			}
			if nullable {
				m["nullable"] = true
			}
		}
	}
	if c, ok := m["const"]; ok {
		m["enum"] = []any{c}
	}
	if ts, ok := m["type"].([]any); ok {
		var first string
		for _, t := range ts {
			if s, _ := t.(string); s == "null" {
				m["nullable"] = true
			} else if first == "" {
				first = s
			}
		}
		if first == "" {
			first = "string"
		}
		m["type"] = first
	}
	if e, ok := m["enum"].([]any); ok {
		strs := make([]any, 0, len(e))
		for _, x := range e {
			if x == nil {
				continue
			}
			if s, ok := x.(string); ok {
				strs = append(strs, s)
			} else {
				strs = append(strs, fmt.Sprint(x))
			}
		}
		m["enum"] = strs
		m["type"] = "string"
	}
	out := make(map[string]any, len(m))
	for k, val := range m {
		if !allowed[k] {
			continue
		}
		out[k] = val
	}
	// Invalid schemas ({"type":null}, "properties":[...], "items":7) lose the invalid part rather than make
	// Gemini refuse the whole request.
	if _, ok := out["type"].(string); !ok {
		delete(out, "type")
	}
	if _, ok := out["properties"].(map[string]any); !ok {
		delete(out, "properties")
	}
	if it, ok := out["items"]; ok {
		if arr, isArr := it.([]any); isArr && len(arr) > 0 { // tuple form: the first position's schema
			it = arr[0]
		}
		if _, ok := it.(map[string]any); ok {
			out["items"] = it
		} else {
			delete(out, "items")
		}
	}
	if props, ok := out["properties"].(map[string]any); ok {
		cp := make(map[string]any, len(props))
		for k, p := range props {
			if c, ok := clean(p, defs, depth+1).(map[string]any); ok {
				cp[k] = c
			} else {
				cp[k] = map[string]any{} // null, true or a number: any value
			}
		}
		out["properties"] = cp
		if req, ok := out["required"].([]any); ok {
			kept := req[:0]
			for _, r := range req {
				if s, ok := r.(string); ok {
					if _, ok := cp[s]; ok {
						kept = append(kept, s)
					}
				}
			}
			if len(kept) == 0 {
				delete(out, "required")
			} else {
				out["required"] = kept
			}
		}
	} else {
		delete(out, "required")
	}
	if it, ok := out["items"]; ok {
		out["items"] = clean(it, defs, depth+1)
	}
	if out["type"] == "array" && out["items"] == nil {
		out["items"] = map[string]any{"type": "string"}
	}
	if f, ok := out["format"].(string); ok && f != "enum" && f != "date-time" && f != "int32" && f != "int64" && f != "float" && f != "double" {
		delete(out, "format")
	}
	return out
}
