package jsonedit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Doc is a parsed document. Every edit rewrites only the affected span and parses the result again, so the tree
// always matches the bytes.
type Doc struct {
	mode Mode
	src  []byte
	root *Node
	nl   string // the file's line ending, kept for inserted lines
	unit string // one level of indentation, as the file writes it
	// JSON5 files keep their own style for what we add: single quotes, unquoted keys.
	single, bare bool
}

// Parse parses src in the given dialect. An empty or whitespace-only src is an empty object, so a tool's missing
// or blank file can be created.
func Parse(src []byte, mode Mode) (*Doc, error) {
	if len(bytes.TrimSpace(bytes.TrimPrefix(src, []byte("\xEF\xBB\xBF")))) == 0 {
		src = append(append([]byte(nil), src...), "{}"...)
	}
	root, err := parse(src, mode)
	if err != nil {
		return nil, err
	}
	d := &Doc{mode: mode, src: append([]byte(nil), src...), root: root}
	d.nl = "\n"
	if bytes.Contains(src, []byte("\r\n")) {
		d.nl = "\r\n"
	}
	d.unit = detectIndent(src, root)
	if mode == JSON5 {
		d.single, d.bare = detectStyle(src, root)
	}
	return d, nil
}

// detectStyle reports whether most strings use single quotes and most keys are unquoted.
func detectStyle(src []byte, root *Node) (single, bare bool) {
	var sq, dq, bk, qk int
	var walk func(n *Node)
	walk = func(n *Node) {
		switch n.Kind {
		case String:
			if src[n.Start] == '\'' {
				sq++
			} else {
				dq++
			}
		case Object:
			for _, m := range n.Members {
				if c := src[m.KeyStart]; c == '"' || c == '\'' {
					qk++
				} else {
					bk++
				}
				walk(m.Value)
			}
		case Array:
			for _, e := range n.Elems {
				walk(e)
			}
		}
	}
	walk(root)
	return sq > dq, bk > qk
}

// Bytes returns the current document text.
func (d *Doc) Bytes() []byte { return append([]byte(nil), d.src...) }

// Mode returns the dialect the document was parsed in.
func (d *Doc) Mode() Mode { return d.mode }

// Root is the top-level value.
func (d *Doc) Root() *Node { return d.root }

// Lookup walks object keys from the root; nil when any step is missing or not an object.
func (d *Doc) Lookup(path ...string) *Node {
	n := d.root
	for _, k := range path {
		m := n.Find(k)
		if m == nil {
			return nil
		}
		n = m.Value
	}
	return n
}

// Value decodes the value at path; ok is false when it does not exist.
func (d *Doc) Value(path ...string) (any, bool) {
	n := d.Lookup(path...)
	if n == nil {
		return nil, false
	}
	return decode(d.src, n, d.mode), true
}

// String returns the string at path, or "" when it is missing or not a string.
func (d *Doc) String(path ...string) string {
	v, _ := d.Value(path...)
	s, _ := v.(string)
	return s
}

// Decode turns a node of this document into plain Go values.
func (d *Doc) Decode(n *Node) any { return decode(d.src, n, d.mode) }

// Raw returns the text of a node as written.
func (d *Doc) Raw(n *Node) string { return string(d.src[n.Start:n.End]) }

// Equal compares two decoded values the way JSON does (numbers by value).
func Equal(a, b any) bool { return reflect.DeepEqual(normalize(a), normalize(b)) }

func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = normalize(x)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = normalize(x)
		}
		return a
	case Obj:
		m := make(map[string]any, len(t))
		for _, kv := range t {
			m[kv.Key] = normalize(kv.Value)
		}
		return m
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return string(t)
		}
		return f
	default:
		return v
	}
}

// Obj is an object whose keys keep the order given; use it for values this package writes.
type Obj []KV

// KV is one key of an Obj.
type KV struct {
	Key   string
	Value any
}

// Set puts v at path. Every parent must exist and be an object (use Ensure first); an existing value is replaced
// in place, a new key is added after the object's last member.
func (d *Doc) Set(path []string, v any) error {
	if len(path) == 0 {
		return fmt.Errorf("empty path")
	}
	parent := d.Lookup(path[:len(path)-1]...)
	if parent == nil || parent.Kind != Object {
		return fmt.Errorf("%s is not an object", describePath(path[:len(path)-1]))
	}
	key := path[len(path)-1]
	if m := parent.Find(key); m != nil {
		text := d.render(v, lineIndent(d.src, m.KeyStart))
		return d.splice(edit{m.Value.Start, m.Value.End, text})
	}
	return d.insert(parent, d.keyText(key)+": ", v)
}

// SetRaw replaces or inserts the value at path with text written as is (used to put back a user's own value).
func (d *Doc) SetRaw(path []string, raw string) error {
	if _, err := parse([]byte(raw), d.mode); err != nil {
		return fmt.Errorf("value for %s: %w", describePath(path), err)
	}
	return d.Set(path, Raw(raw))
}

// Raw is value text written verbatim (a user's own value put back as they wrote it).
type Raw string

// Append adds v as the last element of the array at path.
func (d *Doc) Append(path []string, v any) error {
	arr := d.Lookup(path...)
	if arr == nil || arr.Kind != Array {
		return fmt.Errorf("%s is not an array", describePath(path))
	}
	return d.insert(arr, "", v)
}

// Delete removes the key at path; a missing key is not an error.
func (d *Doc) Delete(path []string) error {
	if len(path) == 0 {
		return fmt.Errorf("empty path")
	}
	parent := d.Lookup(path[:len(path)-1]...)
	if parent == nil || parent.Kind != Object {
		return nil
	}
	key := path[len(path)-1]
	for i := len(parent.Members) - 1; i >= 0; i-- {
		if parent.Members[i].Key == key {
			return d.remove(parent, i)
		}
	}
	return nil
}

// RemoveElem removes element i of the array at path.
func (d *Doc) RemoveElem(path []string, i int) error {
	arr := d.Lookup(path...)
	if arr == nil || arr.Kind != Array || i < 0 || i >= len(arr.Elems) {
		return fmt.Errorf("%s has no element %d", describePath(path), i)
	}
	return d.remove(arr, i)
}

func describePath(path []string) string {
	if len(path) == 0 {
		return "the top level"
	}
	return strings.Join(path, ".")
}

// item is a member or an element: where it starts (its key, for members) and where its value ends.
type item struct{ start, end int }

func items(n *Node) []item {
	var out []item
	if n.Kind == Object {
		for _, m := range n.Members {
			out = append(out, item{m.KeyStart, m.Value.End})
		}
	} else {
		for _, e := range n.Elems {
			out = append(out, item{e.Start, e.End})
		}
	}
	return out
}

type edit struct {
	start, end int
	text       string
}

// splice applies non-overlapping edits and re-parses.
func (d *Doc) splice(edits ...edit) error {
	// Apply back to front; edits at the same position end up in the order given.
	for i, j := 0, len(edits)-1; i < j; i, j = i+1, j-1 {
		edits[i], edits[j] = edits[j], edits[i]
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	out := append([]byte(nil), d.src...)
	for _, e := range edits {
		out = append(out[:e.start], append([]byte(e.text), out[e.end:]...)...)
	}
	root, err := parse(out, d.mode)
	if err != nil {
		return fmt.Errorf("edit produced invalid %s (this is a NineRouter bug; the file was not written): %w", d.mode, err)
	}
	d.src, d.root = out, root
	return nil
}

// insert adds prefix+v as the last item of container c. Its layout follows the container's: one item per line
// at the last item's indentation, or inline; a trailing comma style is kept; a comment after the last item stays
// on its line. remove is the exact inverse.
func (d *Doc) insert(c *Node, prefix string, v any) error {
	its := items(c)
	closeAt := c.End - 1
	if len(its) == 0 {
		ind := lineIndent(d.src, c.Start)
		text := prefix + d.render(v, ind+d.unit)
		inner := d.src[c.Start+1 : closeAt]
		if len(bytes.TrimSpace(inner)) == 0 {
			return d.splice(edit{c.Start + 1, closeAt, d.nl + ind + d.unit + text + d.nl + ind})
		}
		// only comments inside: add after them
		return d.splice(edit{closeAt, closeAt, d.nl + ind + d.unit + text + d.nl + ind})
	}
	last := its[len(its)-1]
	comma, hasComma := d.commaAfter(last.end)
	multiline := lineOf(d.src, last.start) != lineOf(d.src, c.Start)
	if multiline {
		ind := lineIndent(d.src, last.start)
		text := prefix + d.render(v, ind)
		if hasComma {
			q := d.endOfLineContent(comma + 1)
			return d.splice(edit{q, q, d.nl + ind + text + ","})
		}
		q := d.endOfLineContent(last.end)
		return d.splice(edit{last.end, last.end, ","}, edit{q, q, d.nl + ind + text})
	}
	text := prefix + d.render(v, lineIndent(d.src, c.Start))
	if hasComma {
		return d.splice(edit{comma + 1, comma + 1, " " + text + ","})
	}
	return d.splice(edit{last.end, last.end, ", " + text})
}

// remove deletes item i of container c, undoing exactly what insert did when i is the last item.
func (d *Doc) remove(c *Node, i int) error {
	its := items(c)
	it := its[i]
	closeAt := c.End - 1
	comma, hasComma := d.commaAfter(it.end)
	if len(its) == 1 {
		end := it.end
		if hasComma {
			end = comma + 1
		}
		if len(bytes.TrimSpace(d.src[c.Start+1:it.start])) == 0 && len(bytes.TrimSpace(d.src[end:closeAt])) == 0 {
			return d.splice(edit{c.Start + 1, closeAt, ""})
		}
		return d.splice(edit{d.lineStartIfAlone(it.start), end, ""})
	}
	if i == len(its)-1 {
		prev := its[i-1]
		pc, _ := d.commaAfter(prev.end)
		q := d.endOfLineContent(pc + 1)
		if hasComma {
			return d.splice(edit{q, comma + 1, ""})
		}
		return d.splice(edit{pc, pc + 1, ""}, edit{q, it.end, ""})
	}
	// a middle item: take its line(s) when it stands alone on them, else just the item and its comma
	start := d.lineStartIfAlone(it.start)
	q := d.endOfLineContent(comma + 1)
	if start != it.start && q < len(d.src) && (d.src[q] == '\n' || d.src[q] == '\r') {
		end := q + 1
		if d.src[q] == '\r' && end < len(d.src) && d.src[end] == '\n' {
			end++
		}
		return d.splice(edit{start, end, ""})
	}
	end := comma + 1
	for end < len(d.src) && (d.src[end] == ' ' || d.src[end] == '\t') {
		end++
	}
	return d.splice(edit{it.start, end, ""})
}

// commaAfter finds the comma following a value, skipping whitespace and comments.
func (d *Doc) commaAfter(pos int) (int, bool) {
	p := &parser{src: d.src, pos: pos, mode: d.mode}
	if p.skip() != nil || p.pos >= len(d.src) || d.src[p.pos] != ',' {
		return 0, false
	}
	return p.pos, true
}

// endOfLineContent returns the position after a comment that follows pos on the same line, or pos itself.
func (d *Doc) endOfLineContent(pos int) int {
	i := pos
	for i < len(d.src) && (d.src[i] == ' ' || d.src[i] == '\t') {
		i++
	}
	if d.mode == JSON || i+1 >= len(d.src) || d.src[i] != '/' {
		return pos
	}
	switch d.src[i+1] {
	case '/':
		// a line comment runs to '\n' (a lone '\r' is part of it, as the parser reads it); stop before "\r\n"
		for i < len(d.src) && d.src[i] != '\n' {
			i++
		}
		if i < len(d.src) && i > 0 && d.src[i-1] == '\r' {
			i--
		}
		return i
	case '*':
		end := bytes.Index(d.src[i+2:], []byte("*/"))
		if end < 0 || bytes.ContainsAny(d.src[i:i+2+end], "\r\n") {
			return pos
		}
		return i + 2 + end + 2
	}
	return pos
}

// lineStartIfAlone returns the start of pos's line when only whitespace precedes pos on it.
func (d *Doc) lineStartIfAlone(pos int) int {
	i := pos
	for i > 0 && (d.src[i-1] == ' ' || d.src[i-1] == '\t') {
		i--
	}
	if i == 0 || d.src[i-1] == '\n' {
		return i
	}
	return pos
}

func lineOf(src []byte, pos int) int { return bytes.Count(src[:pos], []byte("\n")) }

// lineIndent is the whitespace at the start of pos's line.
func lineIndent(src []byte, pos int) string {
	start := bytes.LastIndexByte(src[:pos], '\n') + 1
	end := start
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	return string(src[start:end])
}

// detectIndent guesses one indentation level from the first member that sits on its own line.
func detectIndent(src []byte, root *Node) string {
	var walk func(n *Node, parentIndent string) string
	walk = func(n *Node, parentIndent string) string {
		its := items(n)
		if n.Kind != Object && n.Kind != Array {
			return ""
		}
		for idx, it := range its {
			if lineOf(src, it.start) != lineOf(src, n.Start) {
				ind := lineIndent(src, it.start)
				if strings.HasPrefix(ind, parentIndent) && len(ind) > len(parentIndent) {
					return ind[len(parentIndent):]
				}
			}
			var child *Node
			if n.Kind == Object {
				child = n.Members[idx].Value
			} else {
				child = n.Elems[idx]
			}
			if u := walk(child, lineIndent(src, child.Start)); u != "" {
				return u
			}
		}
		return ""
	}
	if u := walk(root, lineIndent(src, root.Start)); u != "" {
		return u
	}
	return "  "
}

func (d *Doc) keyText(k string) string {
	if d.bare && isASCIIIdent(k) {
		return k
	}
	return d.quoteStr(k)
}

func isASCIIIdent(k string) bool {
	for i, r := range k {
		if !(r == '_' || r == '$' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')) {
			return false
		}
	}
	return k != ""
}

// quoteStr writes a string in the document's quote style.
func (d *Doc) quoteStr(s string) string {
	q := quote(s)
	if !d.single {
		return q
	}
	inner := strings.ReplaceAll(q[1:len(q)-1], "'", `\'`)
	return "'" + inner + "'"
}

func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimRight(b.String(), "\n")
}

// render writes v in the document's style: objects and arrays one item per line, indented from ind.
func (d *Doc) render(v any, ind string) string {
	var b strings.Builder
	d.write(&b, v, ind)
	return b.String()
}

func (d *Doc) write(b *strings.Builder, v any, ind string) {
	switch t := v.(type) {
	case Raw:
		b.WriteString(string(t))
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(d.quoteStr(t))
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case int:
		b.WriteString(strconv.Itoa(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			b.WriteString("null")
			return
		}
		b.WriteString(strconv.FormatFloat(t, 'g', -1, 64))
	case Obj:
		if len(t) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{")
		for i, kv := range t {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(d.nl + ind + d.unit + d.keyText(kv.Key) + ": ")
			d.write(b, kv.Value, ind+d.unit)
		}
		b.WriteString(d.nl + ind + "}")
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys) // only for values we build ourselves; a user's keys are never re-ordered
		o := make(Obj, 0, len(keys))
		for _, k := range keys {
			o = append(o, KV{k, t[k]})
		}
		d.write(b, o, ind)
	case []any:
		if len(t) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[")
		for i, x := range t {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(d.nl + ind + d.unit)
			d.write(b, x, ind+d.unit)
		}
		b.WriteString(d.nl + ind + "]")
	case []string:
		a := make([]any, len(t))
		for i, s := range t {
			a[i] = s
		}
		d.write(b, a, ind)
	default:
		raw, err := json.Marshal(t)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(raw)
	}
}

// MarshalJSON writes an Obj with its keys in order.
func (o Obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quote(kv.Key))
		b.WriteByte(':')
		v, err := json.Marshal(kv.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
