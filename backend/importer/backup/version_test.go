package backup

import (
	"bytes"
	"encoding/json"

	"filippo.io/age"

	"github.com/ninerouter/ninerouter/backend/importer"
)

// sealVersion writes a file claiming another format version, as a newer NineRouter would.
func sealVersion(b *importer.Bundle, version int, pass string) ([]byte, error) {
	plain, _ := json.Marshal(envelope{Header: Header{Format: Format, Version: version, App: "9.9.9"}, Bundle: b})
	r, _ := age.NewScryptRecipient(pass)
	r.SetWorkFactor(lowWork)
	var out bytes.Buffer
	w, err := age.Encrypt(&out, r)
	if err != nil {
		return nil, err
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
