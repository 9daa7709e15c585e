package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ninerouter/ninerouter/backend/jsonguard"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiError is the management API's error shape.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	var e apiError
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}

// errBodyTooLarge is returned by readBody when the limit is passed.
var errBodyTooLarge = errors.New("request body too large")

// readBody reads the whole body up to limit with a read deadline, so a slow-loris client cannot hold a
// connection open, and clears the deadline afterwards so long responses can stream.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(2 * time.Minute))
	defer rc.SetReadDeadline(time.Time{})
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, fmt.Errorf("%w (limit %d bytes)", errBodyTooLarge, limit)
	}
	return b, err
}

// decodeManage reads a management JSON body into v, answering 400/413 itself; ok=false means it answered.
func decodeManage(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeLarge(w, r, v, MaxManageBody)
}

// decodeLarge reads a management JSON body of at most limit bytes into v, answering 400/413 itself; ok=false
// means it answered.
func decodeLarge(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	b, err := readBody(w, r, limit)
	if errors.Is(err, errBodyTooLarge) {
		writeJSONError(w, http.StatusRequestEntityTooLarge, "too_large", err.Error())
		return false
	}
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "bad_request", "could not read body: "+err.Error())
		return false
	}
	if err := jsonguard.Check(b); err != nil {
		writeJSONError(w, http.StatusBadRequest, "bad_json", "body is refused: "+err.Error())
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		writeJSONError(w, http.StatusBadRequest, "bad_json", "body is not valid JSON: "+err.Error())
		return false
	}
	return true
}
