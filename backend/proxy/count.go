package proxy

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// countTimeout bounds a native count call: counting is advisory, and the offline tokenizer is always there.
const countTimeout = 10 * time.Second

// CountTokens asks the upstream that would serve a count_tokens request (the body in the format of that
// endpoint, model as the client asked) for its own count, when that upstream's wire has a count call
// (translate.NativeCountFormat). ok=false means no native count could be had, and the caller counts offline.
//
// Counting is advisory: only the first available account of each target is asked, failures neither cool an
// account nor fail over, and no usage row is written (a count costs no tokens).
func (p *Proxy) CountTokens(ctx context.Context, model string, body []byte, header http.Header) (n int, ok bool) {
	plan, err := p.o.Router.Plan(ctx, model)
	if err != nil {
		return 0, false
	}
	ctx, cancel := context.WithTimeout(ctx, countTimeout)
	defer cancel()
	for _, t := range plan.Targets {
		up, ok := translate.NativeCountFormat(t.Spec.Executor.Formats())
		if !ok {
			continue
		}
		acct, _ := p.o.Router.Next(ctx, t, nil)
		if acct == nil {
			continue
		}
		if n, ok := p.countOnce(ctx, t.Spec.Executor, acct.BaseURL, acct.ProxyURL, acct.Cred, up, t.Model, body, header); ok {
			return n, true
		}
		return 0, false // the serving upstream had no count to give: do not ask another vendor's
	}
	return 0, false
}

func (p *Proxy) countOnce(ctx context.Context, ex provider.Executor, baseURL, proxyURL string, src provider.CredentialSource,
	up wire.Format, model string, clientBody []byte, header http.Header) (int, bool) {
	body, ok, err := translate.NativeCountRequest(up, model, clientBody)
	if err != nil || !ok {
		return 0, false
	}
	cred, err := src.Credential(ctx)
	if err != nil {
		return 0, false
	}
	tr, err := p.tr.get(proxyURL)
	if err != nil {
		return 0, false
	}
	req, err := ex.NewRequest(ctx, provider.Call{BaseURL: baseURL, Credential: cred, Format: up, Model: model,
		Body: body, ClientHeader: header, Count: true})
	if err != nil {
		return 0, false
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, false
	}
	n, err := translate.ParseNativeCount(up, raw)
	return n, err == nil
}
