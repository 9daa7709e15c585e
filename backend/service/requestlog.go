package service

import (
	"context"
	"encoding/json"
)

// RequestLogTail returns the newest debug request-log entries (already redacted when written), newest first,
// and whether the log is on now.
func (s *Service) RequestLogTail(ctx context.Context, n int) (entries []json.RawMessage, on bool, err error) {
	entries, err = s.routing.reqLog.Tail(n)
	return entries, s.DebugRequestLog(ctx), err
}
