package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/translate"
)

// ProbeResult is the outcome of an account test.
type ProbeResult struct {
	OK        bool   `json:"ok"`
	Status    int    `json:"status"`
	LatencyMs int64  `json:"latencyMs"`
	Model     string `json:"model"`
	Message   string `json:"message"`
}

// Probe sends one tiny non-streaming request on an account, outside routing: no cooldown, no usage row (the
// user pressed "test"; its answer is shown, not billed to a client key).
func (p *Proxy) Probe(ctx context.Context, spec *provider.Spec, acct *route.Account, model string) ProbeResult {
	res := ProbeResult{Model: model}
	if model == "" {
		res.Message = "no model to test with: list one on the account"
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	f := spec.Format()
	body, err := translate.ProbeRequest(f, model)
	if err != nil {
		res.Message = err.Error()
		return res
	}
	cred, err := acct.Cred.Credential(ctx)
	if err != nil {
		res.Message = "credential: " + err.Error()
		return res
	}
	tr, err := p.tr.get(acct.ProxyURL)
	if err != nil {
		res.Message = err.Error()
		return res
	}
	req, err := spec.Executor.NewRequest(ctx, provider.Call{BaseURL: acct.BaseURL, Credential: cred, Format: f, Model: model, Body: body})
	if err != nil {
		res.Message = err.Error()
		return res
	}
	start := time.Now()
	resp, err := tr.RoundTrip(req)
	res.LatencyMs = time.Since(start).Milliseconds()
	if err != nil {
		res.Message = "unreachable: " + err.Error()
		return res
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	res.Status = resp.StatusCode
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		res.OK, res.Message = true, "the account answered"
		return res
	}
	ue := translate.ParseUpstreamError(resp.StatusCode, resp.Header, raw, time.Now())
	res.Message = fmt.Sprintf("%d %s: %s", resp.StatusCode, http.StatusText(resp.StatusCode), ue.Message)
	return res
}
