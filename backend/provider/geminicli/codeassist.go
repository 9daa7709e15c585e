package geminicli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Product is what differs between the two Google products that speak the Code Assist API (Gemini CLI here,
// Antigravity in backend/provider/antigravity): how the project is discovered and how a request is wrapped.
type Product struct {
	// Metadata is loadCodeAssist's and onboardUser's client metadata. NineRouter is no IDE, so the IDE type says
	// so (IDE_UNSPECIFIED); the plugin type names the product whose credential this is (a protocol field).
	Metadata map[string]string
	// OnboardTries and OnboardWait bound the wait for onboardUser's long-running operation (9Router: 10 × 5 s).
	OnboardTries int
	OnboardWait  time.Duration
	// Envelope adds product fields to the {model, project, request} envelope (Antigravity's request type and id).
	Envelope func(env []byte, c provider.Call) ([]byte, error)
	// Answer, when set, returns the rewrite applied to each unwrapped answer of call c (Antigravity maps the
	// function names it had to shorten back to the client's).
	Answer func(c provider.Call) func(answer []byte) []byte
}

// Project is the outcome of project discovery.
type Project struct {
	ID       string // the Code Assist project every request names
	TierID   string // "free-tier", "standard-tier", …
	TierName string
}

// codeAssist answers share this error shape ({"error":{code,message,status}}); oauth.Env.GetJSON reads it.

// Discover finds the account's Code Assist project: loadCodeAssist names it for an account already onboarded;
// otherwise the account is onboarded to its default tier (onboardUser, a long-running operation polled until
// done). A tier that needs the user's own Google Cloud project cannot be onboarded without one: the error says so.
func (p Product) Discover(ctx context.Context, e oauth.Env, accessToken string) (Project, error) {
	api := e.URL("api")
	auth := "Bearer " + accessToken
	meta := map[string]any{}
	for k, v := range p.Metadata {
		meta[k] = v
	}
	body, _ := sjson.SetBytes([]byte(`{}`), "metadata", meta)
	var load struct {
		Project     string `json:"cloudaicompanionProject"`
		CurrentTier *struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"currentTier"`
		AllowedTiers []struct {
			ID                 string `json:"id"`
			Name               string `json:"name"`
			IsDefault          bool   `json:"isDefault"`
			UserDefinedProject bool   `json:"userDefinedCloudaicompanionProject"`
		} `json:"allowedTiers"`
	}
	if err := e.GetJSON(ctx, http.MethodPost, api+"/v1internal:loadCodeAssist", auth, body, &load); err != nil {
		return Project{}, fmt.Errorf("load the Code Assist account: %w", err)
	}
	if load.Project != "" && load.CurrentTier != nil {
		return Project{ID: load.Project, TierID: load.CurrentTier.ID, TierName: load.CurrentTier.Name}, nil
	}
	tier := Project{TierID: "legacy-tier"}
	userDefined := true
	for _, t := range load.AllowedTiers {
		if t.IsDefault {
			tier, userDefined = Project{TierID: t.ID, TierName: t.Name}, t.UserDefinedProject
			break
		}
	}
	if userDefined && load.Project == "" {
		return Project{}, fmt.Errorf("this Google account's Code Assist tier (%s) needs a Google Cloud project of your own, "+
			"which NineRouter cannot choose for you; use a personal Google account (free tier) or Gemini through an API key", tier.TierID)
	}
	ob, _ := sjson.SetBytes([]byte(`{}`), "tierId", tier.TierID)
	ob, _ = sjson.SetBytes(ob, "metadata", meta)
	if load.Project != "" {
		ob, _ = sjson.SetBytes(ob, "cloudaicompanionProject", load.Project)
	}
	tries := max(p.OnboardTries, 1)
	for i := 0; i < tries; i++ {
		var op struct {
			Done     bool `json:"done"`
			Response struct {
				Project struct {
					ID string `json:"id"`
				} `json:"cloudaicompanionProject"`
			} `json:"response"`
		}
		if err := e.GetJSON(ctx, http.MethodPost, api+"/v1internal:onboardUser", auth, ob, &op); err != nil {
			return Project{}, fmt.Errorf("set up the Code Assist account: %w", err)
		}
		if op.Done {
			tier.ID = op.Response.Project.ID
			if tier.ID == "" {
				tier.ID = load.Project
			}
			if tier.ID == "" {
				return Project{}, errors.New("the Code Assist set-up finished but named no project")
			}
			return tier, nil
		}
		select {
		case <-ctx.Done():
			return Project{}, ctx.Err()
		case <-time.After(p.OnboardWait):
		}
	}
	return Project{}, fmt.Errorf("the Code Assist account was still being set up after %d tries; sign in again in a minute", tries)
}

// Executor speaks the Gemini wire to the Code Assist API: the Gemini body goes inside the envelope
// {model, project, request} at v1internal:generateContent / :streamGenerateContent?alt=sse, and each answer's
// {"response": …} wrapper is removed again (AdaptResponse), so the proxy sees plain Gemini.
type Executor struct{ Product Product }

func (Executor) Formats() []wire.Format { return []wire.Format{wire.Gemini} }

// ProjectKey is the account metadata key holding the Code Assist project id.
const ProjectKey = "project"

// Wrap builds the Code Assist envelope around a Gemini request body.
func (x Executor) Wrap(c provider.Call) ([]byte, error) {
	project := c.Credential.Meta[ProjectKey]
	if project == "" {
		return nil, errors.New("this account has no Code Assist project: sign in to it again")
	}
	if c.Count {
		// countTokens takes {request:{model:"models/…", contents}} and names no project.
		env, _ := sjson.SetBytes([]byte(`{}`), "request.model", "models/"+c.Model)
		if contents := gjson.GetBytes(c.Body, "contents"); contents.Exists() {
			return sjson.SetRawBytes(env, "request.contents", []byte(contents.Raw))
		}
		return env, nil
	}
	if !gjson.ValidBytes(c.Body) {
		return nil, errors.New("the request body is not JSON")
	}
	env, err := sjson.SetBytes([]byte(`{}`), "model", c.Model)
	if err == nil {
		env, err = sjson.SetBytes(env, "project", project)
	}
	if err == nil {
		env, err = sjson.SetRawBytes(env, "request", c.Body)
	}
	if err == nil && x.Product.Envelope != nil {
		env, err = x.Product.Envelope(env, c)
	}
	return env, err
}

func (x Executor) NewRequest(ctx context.Context, c provider.Call) (*http.Request, error) {
	body, err := x.Wrap(c)
	if err != nil {
		return nil, err
	}
	path, query := "/v1internal:generateContent", ""
	switch {
	case c.Count:
		path = "/v1internal:countTokens"
	case c.Stream:
		path, query = "/v1internal:streamGenerateContent", "alt=sse"
	}
	c.Body = body
	req, err := provider.NewJSONRequest(ctx, c.BaseURL, path, query, c)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Credential.AccessToken)
	return req, nil
}

// AdaptResponse removes the {"response": …} wrapper from a successful answer, event by event when streamed.
func (x Executor) AdaptResponse(c provider.Call, resp *http.Response) {
	src := resp.Body
	unwrap := Unwrap
	if x.Product.Answer != nil {
		rewrite := x.Product.Answer(c)
		unwrap = func(raw []byte) []byte { return rewrite(Unwrap(raw)) }
	}
	if c.Stream {
		r := sse.NewReader(src, 0)
		resp.Body = &pipe{src: src, next: func() ([]byte, error) {
			ev, err := r.Next()
			if err != nil {
				return nil, err
			}
			return sse.Append(nil, ev.Name, unwrap(ev.Data)), nil
		}}
		return
	}
	done := false
	resp.Body = &pipe{src: src, next: func() ([]byte, error) {
		if done {
			return nil, io.EOF
		}
		done = true
		raw, err := io.ReadAll(io.LimitReader(src, 256<<20))
		if err != nil {
			return nil, err
		}
		return unwrap(raw), nil
	}}
	resp.ContentLength = -1
	resp.Header.Del("Content-Length")
}

// Unwrap returns the inner "response" of a Code Assist answer, or the answer itself when it has none (a count,
// an error object).
func Unwrap(raw []byte) []byte {
	if r := gjson.GetBytes(bytes.TrimSpace(raw), "response"); r.IsObject() {
		return []byte(r.Raw)
	}
	return raw
}

// pipe is a response body produced piece by piece from the upstream's.
type pipe struct {
	src  io.ReadCloser
	next func() ([]byte, error)
	buf  []byte
	err  error
}

func (p *pipe) Read(b []byte) (int, error) {
	for len(p.buf) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		p.buf, p.err = p.next()
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

func (p *pipe) Close() error { return p.src.Close() }
