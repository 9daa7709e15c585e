package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ninerouter/ninerouter/backend/jsonguard"
	"github.com/ninerouter/ninerouter/backend/logging"
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

// writeError is the management API's one way to answer an error: the message passes the service's value
// redactor (every secret the store holds, the management tokens) and the credential shapes, so an error that
// quotes a key (an upstream echoing it, a URL pasted with one inside) never carries it out (issue #9 finding 3
// for the management API). writeJSONError is the bare writer under it.
func (s *Server) writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSONError(w, status, code, s.redact(msg))
}

// redact masks secrets in text the management API sends: by value (the service's redactor), then by shape.
func (s *Server) redact(msg string) string { return s.svc.Redactor().Redact(msg) }

// writeClientError answers a model-API client in its own error shape, through the same redactor, with the
// credentials this request presented masked too.
func (s *Server) writeClientError(w http.ResponseWriter, r *http.Request, shape errorShape, status int, typ, msg string) {
	shape.write(w, status, typ, s.svc.Redactor().Redact(msg, logging.RequestSecrets(r.Header)...))
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
func (s *Server) decodeManage(w http.ResponseWriter, r *http.Request, v any) bool {
	return s.decodeLarge(w, r, v, MaxManageBody)
}

// decodeLarge reads a management JSON body of at most limit bytes into v, answering 400/413 itself; ok=false
// means it answered.
func (s *Server) decodeLarge(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	b, err := readBody(w, r, limit)
	if errors.Is(err, errBodyTooLarge) {
		s.writeError(w, http.StatusRequestEntityTooLarge, "too_large", err.Error())
		return false
	}
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "bad_request", "could not read body: "+err.Error())
		return false
	}
	if err := jsonguard.Check(b); err != nil {
		s.writeError(w, http.StatusBadRequest, "bad_json", "body is refused: "+err.Error())
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		s.writeError(w, http.StatusBadRequest, "bad_json", "body is not valid JSON: "+err.Error())
		return false
	}
	return true
}
