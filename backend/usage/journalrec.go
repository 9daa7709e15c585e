package usage

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"slices"
	"time"
)

// The usage journal's record format (journal.go). A frame is
//
//	frameMagic | payload length (4 bytes, little endian) | payload | CRC-32C of the payload (4 bytes, little endian)
//
// and a payload is a kind byte (kindBegun, kindFinished) followed by Record's fields in declaration order:
// strings as uvarint length + bytes, integers as varints, Time as Unix nanoseconds (0: the zero Time), Reported as one byte,
// CostUSD as the 8 bytes of its IEEE 754 bits. A frame is appended with one write, so a process kill leaves either
// the whole frame or none of it in the page cache; an OS crash can leave a torn or zeroed tail, which the CRC
// catches (scanFrames skips it).

const (
	frameMagic = 0xA7
	// maxPayload bounds a frame (a record's strings are short: the error text is truncated to 500 bytes by the
	// proxy); a longer length is garbage.
	maxPayload = 64 << 10

	kindBegun    byte = 'B' // the attempt started: its in-flight row
	kindFinished byte = 'F' // the attempt's final row
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// errBadRecord: a payload that does not decode to a record.
var errBadRecord = errors.New("usage journal: malformed record")

// appendFrame appends r as one frame of the given kind to b.
func appendFrame(b []byte, kind byte, r *Record) []byte {
	b = append(b, frameMagic, 0, 0, 0, 0) // the length is filled in below
	start := len(b)
	b = append(b, kind)
	b = appendString(b, r.ID)
	b = appendString(b, r.RequestID)
	b = binary.AppendVarint(b, int64(r.Attempt))
	var ns int64 // 0 stands for the zero Time, whose UnixNano overflows
	if !r.Time.IsZero() {
		ns = r.Time.UnixNano()
	}
	b = binary.AppendVarint(b, ns)
	b = appendString(b, r.Provider)
	b = binary.AppendVarint(b, r.AccountID)
	b = appendString(b, r.Model)
	b = appendString(b, r.Requested)
	b = appendString(b, r.Combo)
	b = appendString(b, r.Entry)
	b = binary.AppendVarint(b, r.KeyID)
	b = appendString(b, r.Endpoint)
	b = appendString(b, r.Outcome)
	b = binary.AppendVarint(b, int64(r.Status))
	b = appendString(b, r.Error)
	for _, v := range [...]int64{r.LatencyMs, r.TTFBMs, r.Input, r.Output, r.CacheRead, r.CacheWrite, r.Reasoning} {
		b = binary.AppendVarint(b, v)
	}
	reported := byte(0)
	if r.Reported {
		reported = 1
	}
	b = append(b, reported)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.CostUSD))
	payload := b[start:]
	binary.LittleEndian.PutUint32(b[start-4:], uint32(len(payload)))
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(payload, crcTable))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodePayload reads one frame's payload.
func decodePayload(p []byte) (kind byte, r Record, err error) {
	d := decoder{b: p}
	kind = d.byte()
	if kind != kindBegun && kind != kindFinished {
		return 0, Record{}, errBadRecord
	}
	r.ID = d.string()
	r.RequestID = d.string()
	r.Attempt = int(d.varint())
	if ns := d.varint(); ns != 0 {
		r.Time = time.Unix(0, ns).UTC()
	}
	r.Provider = d.string()
	r.AccountID = d.varint()
	r.Model = d.string()
	r.Requested = d.string()
	r.Combo = d.string()
	r.Entry = d.string()
	r.KeyID = d.varint()
	r.Endpoint = d.string()
	r.Outcome = d.string()
	r.Status = int(d.varint())
	r.Error = d.string()
	for _, v := range [...]*int64{&r.LatencyMs, &r.TTFBMs, &r.Input, &r.Output, &r.CacheRead, &r.CacheWrite, &r.Reasoning} {
		*v = d.varint()
	}
	switch d.byte() {
	case 0:
	case 1:
		r.Reported = true
	default:
		d.bad = true
	}
	r.CostUSD = math.Float64frombits(d.uint64())
	if d.bad || len(d.b) != 0 || r.ID == "" {
		return 0, Record{}, errBadRecord
	}
	return kind, r, nil
}

// decoder reads a payload; any short or malformed field sets bad and yields zero values from then on.
type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) byte() byte {
	if d.bad || len(d.b) < 1 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) varint() int64 {
	if d.bad {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	if d.bad {
		return ""
	}
	l, n := binary.Uvarint(d.b)
	if n <= 0 || l > uint64(len(d.b)-n) {
		d.bad = true
		return ""
	}
	s := string(d.b[n : n+int(l)])
	d.b = d.b[n+int(l):]
	return s
}

func (d *decoder) uint64() uint64 {
	if d.bad || len(d.b) < 8 {
		d.bad = true
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// scanFrames calls fn for each intact record in data, in order, and returns how many bytes it had to skip:
// a torn or corrupt frame is passed over byte by byte until the next frame whose CRC holds, so one bad spot
// (an OS crash's zeroed tail, a flipped bit) costs only the records it touched.
func scanFrames(data []byte, fn func(kind byte, r Record)) (skipped int) {
	for len(data) > 0 {
		n, kind, r, ok := nextFrame(data)
		if !ok {
			if data[0] == 0 { // a zero run holds no frame (frames begin with frameMagic)
				k := slices.IndexFunc(data, func(c byte) bool { return c != 0 })
				if k < 0 {
					break // the unused end of a mapped file (journal.go mapSize)
				}
				skipped += k
				data = data[k:]
				continue
			}
			skipped++
			data = data[1:]
			continue
		}
		fn(kind, r)
		data = data[n:]
	}
	return skipped
}

// nextFrame decodes the frame at the start of data and its length in bytes.
func nextFrame(data []byte) (n int, kind byte, r Record, ok bool) {
	const head = 5 // magic and length
	if len(data) < head || data[0] != frameMagic {
		return 0, 0, Record{}, false
	}
	l := int(binary.LittleEndian.Uint32(data[1:]))
	if l == 0 || l > maxPayload || len(data)-head < l+4 {
		return 0, 0, Record{}, false
	}
	payload := data[head : head+l]
	if binary.LittleEndian.Uint32(data[head+l:]) != crc32.Checksum(payload, crcTable) {
		return 0, 0, Record{}, false
	}
	kind, r, err := decodePayload(payload)
	if err != nil {
		return 0, 0, Record{}, false
	}
	return head + l + 4, kind, r, true
}
