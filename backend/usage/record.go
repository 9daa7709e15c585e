package usage

import "time"

// Record is one upstream attempt as the writer takes it and the ledger returns it (table usage_records; the
// schema is Record's). It is queued "in_flight" when the attempt starts and finalised when it ends,
// so a crash leaves evidence (docs/security.md § Data safety, rule 3). Tokens are exactly what the upstream reported.
// Callers (backend/proxy) build it without importing backend/store.
type Record struct {
	ID         string
	RequestID  string
	Attempt    int
	Time       time.Time
	Provider   string
	AccountID  int64
	Model      string // upstream model id
	Requested  string // the model string the client asked for
	Combo      string
	Entry      string // the combo entry that led here, for per-entry budgets
	KeyID      int64
	Endpoint   string
	Outcome    string // in_flight | ok | error | canceled | interrupted
	Status     int
	Error      string
	LatencyMs  int64
	TTFBMs     int64
	Input      int64
	Output     int64
	CacheRead  int64
	CacheWrite int64
	Reasoning  int64
	Reported   bool
	CostUSD    float64
}

// recordTable is the ledger's table.
const recordTable = "usage_records"

// Failed tells whether the attempt counts as an error in totals and reports: anything but OK, except Canceled
// (the client left). store.FailedSQL is the same rule in SQL.
func (r Record) Failed() bool { return r.Outcome != OK && r.Outcome != Canceled }

// IsRequest tells whether the attempt stands for its client request in counts: a request's first attempt, whatever
// fallbacks followed (a request = one client request, an attempt = one upstream try; docs/ui.md).
// store.RequestSQL is the same rule in SQL.
func (r Record) IsRequest() bool { return r.Attempt <= 1 }
