package toolkit

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/ninerouter/ninerouter/backend/safefile/envedit"
	"github.com/ninerouter/ninerouter/backend/safefile/jsonedit"
	"github.com/ninerouter/ninerouter/backend/safefile/tomledit"
)

// OpKind is what an Op does.
type OpKind string

const (
	// Set puts Value at Path (JSON path; TOML root key; dotenv key), creating missing parent objects.
	Set OpKind = "set"
	// Delete removes Path (a key that conflicts with ours, e.g. CLAUDE_CODE_USE_BEDROCK); revert puts it back.
	Delete OpKind = "delete"
	// Upsert puts Value into the JSON array at Path, replacing the element whose MatchKey equals Value's.
	Upsert OpKind = "upsert"
	// Table writes the TOML table Path[0] with KVs, after a comment line Note.
	Table OpKind = "table"
)

// Op is one edit a tool asks for.
type Op struct {
	Kind     OpKind
	Path     []string
	Value    any // JSON: a value (jsonedit.Obj for objects); TOML: value text; dotenv: the value
	MatchKey string
	KVs      []tomledit.KV
	Note     string
}

// Change records one applied edit, so that revert can remove what we added and put back what we replaced
// without touching anything the user changed afterwards.
type Change struct {
	Kind       OpKind          `json:"kind"`
	Path       []string        `json:"path"`
	Existed    bool            `json:"existed"`
	Old        string          `json:"old,omitempty"` // the previous value exactly as written
	New        json.RawMessage `json:"new,omitempty"` // what we wrote (JSON; TOML/dotenv: the text as a JSON string)
	Created    bool            `json:"created,omitempty"`
	MatchKey   string          `json:"matchKey,omitempty"`
	MatchValue string          `json:"matchValue,omitempty"`
	Note       string          `json:"note,omitempty"`
}

func (c Change) where() string { return strings.Join(c.Path, ".") }

// Apply applies ops to src (the file's text; exists=false for a new file) and returns the new text and the
// changes made. A file that does not parse is refused. As a last guard the result is decoded again and everything
// outside the edited paths must be unchanged.
func Apply(format Format, src []byte, exists bool, ops []Op) ([]byte, []Change, error) {
	switch format {
	case JSON, JSONC, JSON5:
		return applyJSON(format, src, exists, ops)
	case TOML:
		return applyTOML(src, ops)
	case Dotenv:
		return applyEnv(src, ops)
	}
	return nil, nil, fmt.Errorf("unknown format %q", format)
}

// Revert undoes changes (in reverse order) on the file's current text. Edits the user made since are kept;
// kept lists them for the report.
func Revert(format Format, src []byte, changes []Change) (out []byte, kept []string, err error) {
	switch format {
	case JSON, JSONC, JSON5:
		return revertJSON(format, src, changes)
	case TOML:
		return revertTOML(src, changes)
	case Dotenv:
		return revertEnv(src, changes)
	}
	return nil, nil, fmt.Errorf("unknown format %q", format)
}

func jsonMode(f Format) jsonedit.Mode {
	switch f {
	case JSON:
		return jsonedit.JSON
	case JSONC:
		return jsonedit.JSONC
	}
	return jsonedit.JSON5
}

// ParseJSON parses a tool's JSON-family file.
func ParseJSON(f Format, src []byte) (*jsonedit.Doc, error) { return jsonedit.Parse(src, jsonMode(f)) }

func applyJSON(format Format, src []byte, exists bool, ops []Op) ([]byte, []Change, error) {
	d, err := ParseJSON(format, src)
	if err != nil {
		return nil, nil, err
	}
	if d.Root().Kind != jsonedit.Object {
		return nil, nil, fmt.Errorf("the top level is not an object")
	}
	before := d.Decode(d.Root())
	var changes []Change
	for _, op := range ops {
		cs, err := applyJSONOp(d, op)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", strings.Join(op.Path, "."), err)
		}
		changes = append(changes, cs...)
	}
	out := d.Bytes()
	if !exists {
		out = append(out, '\n')
	}
	after, err := ParseJSON(format, out)
	if err != nil {
		return nil, nil, fmt.Errorf("result does not parse (NineRouter bug; nothing written): %w", err)
	}
	if !jsonedit.Equal(pruneJSON(before, changes), pruneJSON(after.Decode(after.Root()), changes)) {
		return nil, nil, fmt.Errorf("an edit reached outside NineRouter's keys (NineRouter bug; nothing written)")
	}
	return out, changes, nil
}

func applyJSONOp(d *jsonedit.Doc, op Op) ([]Change, error) {
	var changes []Change
	// create missing parents, recorded so revert can remove them once empty
	for i := 1; i < len(op.Path); i++ {
		p := op.Path[:i]
		n := d.Lookup(p...)
		if n == nil {
			if err := d.Set(p, jsonedit.Obj{}); err != nil {
				return nil, err
			}
			changes = append(changes, Change{Kind: Set, Path: clone(p), Created: true})
			continue
		}
		if n.Kind != jsonedit.Object && !(op.Kind == Upsert && i == len(op.Path)) {
			return nil, fmt.Errorf("%s is not an object in this file; fix it by hand or use restore", strings.Join(p, "."))
		}
	}
	switch op.Kind {
	case Set:
		c := Change{Kind: Set, Path: clone(op.Path)}
		if n := d.Lookup(op.Path...); n != nil {
			c.Existed, c.Old = true, d.Raw(n)
		}
		nv, err := json.Marshal(op.Value)
		if err != nil {
			return nil, err
		}
		c.New = nv
		if err := d.Set(op.Path, op.Value); err != nil {
			return nil, err
		}
		return append(changes, c), nil
	case Delete:
		n := d.Lookup(op.Path...)
		if n == nil {
			return changes, nil
		}
		c := Change{Kind: Delete, Path: clone(op.Path), Existed: true, Old: d.Raw(n)}
		if err := d.Delete(op.Path); err != nil {
			return nil, err
		}
		return append(changes, c), nil
	case Upsert:
		obj, ok := op.Value.(jsonedit.Obj)
		if !ok {
			return nil, fmt.Errorf("upsert needs an object")
		}
		mv := ""
		for _, kv := range obj {
			if kv.Key == op.MatchKey {
				mv, _ = kv.Value.(string)
			}
		}
		nv, err := json.Marshal(op.Value)
		if err != nil {
			return nil, err
		}
		c := Change{Kind: Upsert, Path: clone(op.Path), MatchKey: op.MatchKey, MatchValue: mv, New: nv}
		arr := d.Lookup(op.Path...)
		if arr == nil {
			if err := d.Set(op.Path, []any{}); err != nil {
				return nil, err
			}
			changes = append(changes, Change{Kind: Set, Path: clone(op.Path), Created: true})
			arr = d.Lookup(op.Path...)
		}
		if arr.Kind != jsonedit.Array {
			return nil, fmt.Errorf("%s is not an array in this file", strings.Join(op.Path, "."))
		}
		if i := findElem(d, arr, op.MatchKey, mv); i >= 0 {
			c.Existed, c.Old = true, d.Raw(arr.Elems[i])
			if err := d.RemoveElem(op.Path, i); err != nil {
				return nil, err
			}
		}
		if err := d.Append(op.Path, op.Value); err != nil {
			return nil, err
		}
		return append(changes, c), nil
	}
	return nil, fmt.Errorf("op %q does not apply to JSON", op.Kind)
}

func findElem(d *jsonedit.Doc, arr *jsonedit.Node, key, value string) int {
	for i, e := range arr.Elems {
		if m := e.Find(key); m != nil {
			if s, _ := d.Decode(m.Value).(string); s == value {
				return i
			}
		}
	}
	return -1
}

func clone(p []string) []string { return append([]string(nil), p...) }

// pruneJSON removes every path we touched from a decoded document, for the "nothing else changed" check.
func pruneJSON(v any, changes []Change) any {
	v = deepCopy(v)
	for _, c := range changes {
		if c.Kind == Upsert {
			arr, parent, key := lookupDecoded(v, c.Path)
			if a, ok := arr.([]any); ok {
				var keep []any
				for _, e := range a {
					if m, ok := e.(map[string]any); ok && m[c.MatchKey] == c.MatchValue {
						continue
					}
					keep = append(keep, e)
				}
				if keep == nil {
					keep = []any{}
				}
				parent[key] = keep
			}
			continue
		}
		_, parent, key := lookupDecoded(v, c.Path)
		if parent != nil {
			delete(parent, key)
		}
	}
	return v
}

func lookupDecoded(v any, path []string) (any, map[string]any, string) {
	var parent map[string]any
	key := ""
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, nil, ""
		}
		parent, key = m, k
		v = m[k]
	}
	return v, parent, key
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = deepCopy(x)
		}
		return a
	}
	return v
}

func revertJSON(format Format, src []byte, changes []Change) ([]byte, []string, error) {
	d, err := ParseJSON(format, src)
	if err != nil {
		return nil, nil, err
	}
	var kept []string
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		n := d.Lookup(c.Path...)
		switch {
		case c.Created:
			// a container we made: remove it only when nothing is left in it
			if n != nil && ((n.Kind == jsonedit.Object && len(n.Members) == 0) || (n.Kind == jsonedit.Array && len(n.Elems) == 0)) {
				if err := d.Delete(c.Path); err != nil {
					return nil, nil, err
				}
			}
		case c.Kind == Set:
			if n == nil {
				continue // the user removed it already
			}
			var want any
			_ = json.Unmarshal(c.New, &want)
			if !jsonedit.Equal(d.Decode(n), want) {
				kept = append(kept, c.where()+" (changed since NineRouter set it; left as it is)")
				continue
			}
			if c.Existed {
				err = d.SetRaw(c.Path, c.Old)
			} else {
				err = d.Delete(c.Path)
			}
			if err != nil {
				return nil, nil, err
			}
		case c.Kind == Delete:
			if n != nil {
				kept = append(kept, c.where()+" (set again since NineRouter removed it; left as it is)")
				continue
			}
			if len(c.Path) > 1 && d.Lookup(c.Path[:len(c.Path)-1]...) == nil {
				continue
			}
			if err := d.SetRaw(c.Path, c.Old); err != nil {
				return nil, nil, err
			}
		case c.Kind == Upsert:
			if n == nil || n.Kind != jsonedit.Array {
				continue
			}
			idx := findElem(d, n, c.MatchKey, c.MatchValue)
			if idx < 0 {
				continue
			}
			var want any
			_ = json.Unmarshal(c.New, &want)
			if !jsonedit.Equal(d.Decode(n.Elems[idx]), want) {
				kept = append(kept, fmt.Sprintf("%s entry %s=%s (changed since NineRouter added it; left as it is)", c.where(), c.MatchKey, c.MatchValue))
				continue
			}
			if err := d.RemoveElem(c.Path, idx); err != nil {
				return nil, nil, err
			}
			if c.Existed {
				if err := d.Append(c.Path, jsonedit.Raw(c.Old)); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	return d.Bytes(), kept, nil
}

// ---- TOML (Codex) ----

func applyTOML(src []byte, ops []Op) ([]byte, []Change, error) {
	d, err := tomledit.Parse(src)
	if err != nil {
		return nil, nil, err
	}
	before := d.Decoded()
	var changes []Change
	for _, op := range ops {
		switch op.Kind {
		case Set:
			key := op.Path[0]
			raw, _ := op.Value.(string)
			c := Change{Kind: Set, Path: clone(op.Path), New: mustJSON(raw)}
			if old, ok := d.RootRaw(key); ok {
				c.Existed, c.Old = true, old
			} else if _, dotted := before[key]; dotted {
				return nil, nil, fmt.Errorf("%s is set in a way NineRouter does not edit (dotted or inline); edit it by hand", key)
			}
			if err := d.SetRoot(key, raw); err != nil {
				return nil, nil, err
			}
			changes = append(changes, c)
		case Table:
			name := op.Path[0]
			c := Change{Kind: Table, Path: clone(op.Path), Note: op.Note, New: mustJSON(kvText(op.KVs))}
			if d.HasTable(name) {
				c.Existed = true
				if err := d.RemoveTable(name, op.Note); err != nil {
					return nil, nil, err
				}
			} else if lookupTOML(before, name) != nil {
				return nil, nil, fmt.Errorf("%s is defined inline or with dotted keys; NineRouter only edits a [%s] table, so edit it by hand", name, name)
			}
			if err := d.AppendTable(op.Note, name, op.KVs); err != nil {
				return nil, nil, err
			}
			changes = append(changes, c)
		default:
			return nil, nil, fmt.Errorf("op %q does not apply to TOML", op.Kind)
		}
	}
	out := d.Bytes()
	if !reflect.DeepEqual(pruneTOML(before, changes), pruneTOML(d.Decoded(), changes)) {
		return nil, nil, fmt.Errorf("an edit reached outside NineRouter's keys (NineRouter bug; nothing written)")
	}
	return out, changes, nil
}

func kvText(kvs []tomledit.KV) string {
	var b strings.Builder
	for _, kv := range kvs {
		b.WriteString(kv.Key + "=" + kv.Raw + "\n")
	}
	return b.String()
}

func mustJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func lookupTOML(m map[string]any, dotted string) any {
	var v any = m
	for _, k := range strings.Split(dotted, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func pruneTOML(m map[string]any, changes []Change) map[string]any {
	out := deepCopy(m).(map[string]any)
	for _, c := range changes {
		parts := strings.Split(c.Path[0], ".")
		cur := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				cur = nil
				break
			}
			cur = next
		}
		if cur != nil {
			delete(cur, parts[len(parts)-1])
		}
		if len(parts) > 1 {
			if mp, ok := out[parts[0]].(map[string]any); ok && len(mp) == 0 {
				delete(out, parts[0])
			}
		}
	}
	return out
}

func revertTOML(src []byte, changes []Change) ([]byte, []string, error) {
	d, err := tomledit.Parse(src)
	if err != nil {
		return nil, nil, err
	}
	var kept []string
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		var newText string
		_ = json.Unmarshal(c.New, &newText)
		switch c.Kind {
		case Set:
			cur, ok := d.RootRaw(c.Path[0])
			if !ok {
				continue
			}
			if strings.TrimSpace(cur) != strings.TrimSpace(newText) {
				kept = append(kept, c.where()+" (changed since NineRouter set it; left as it is)")
				continue
			}
			if c.Existed {
				err = d.SetRoot(c.Path[0], c.Old)
			} else {
				err = d.DeleteRoot(c.Path[0])
			}
		case Table:
			// the table is NineRouter's own provider: it goes whatever is in it
			err = d.RemoveTable(c.Path[0], c.Note)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return d.Bytes(), kept, nil
}

// ---- dotenv (Gemini CLI) ----

func applyEnv(src []byte, ops []Op) ([]byte, []Change, error) {
	d, err := envedit.Parse(src)
	if err != nil {
		return nil, nil, err
	}
	var changes []Change
	for _, op := range ops {
		key := op.Path[0]
		c := Change{Kind: op.Kind, Path: clone(op.Path)}
		if old, ok := d.Raw(key); ok {
			c.Existed, c.Old = true, old
		}
		switch op.Kind {
		case Set:
			v, _ := op.Value.(string)
			d.Set(key, v)
			raw, _ := d.Raw(key)
			c.New = mustJSON(raw)
		case Delete:
			if !c.Existed {
				continue
			}
			d.Delete(key)
		default:
			return nil, nil, fmt.Errorf("op %q does not apply to a .env file", op.Kind)
		}
		changes = append(changes, c)
	}
	return d.Bytes(), changes, nil
}

func revertEnv(src []byte, changes []Change) ([]byte, []string, error) {
	d, err := envedit.Parse(src)
	if err != nil {
		return nil, nil, err
	}
	var kept []string
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		key := c.Path[0]
		cur, ok := d.Raw(key)
		switch c.Kind {
		case Set:
			var newText string
			_ = json.Unmarshal(c.New, &newText)
			if !ok {
				continue
			}
			if cur != newText {
				kept = append(kept, key+" (changed since NineRouter set it; left as it is)")
				continue
			}
			if c.Existed {
				d.SetRaw(key, c.Old)
			} else {
				d.Delete(key)
			}
		case Delete:
			if ok {
				kept = append(kept, key+" (set again since NineRouter removed it; left as it is)")
				continue
			}
			d.SetRaw(key, c.Old)
		}
	}
	return d.Bytes(), kept, nil
}
