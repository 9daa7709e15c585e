package service

import (
	"github.com/ninerouter/ninerouter/backend/logging"
	"github.com/ninerouter/ninerouter/backend/secret"
)

// watchedSecrets is the service's view of the secret store: every value it hands out or stores is registered
// with the value redactor before anyone can use it, so a key can never reach a sink (error answer, usage row,
// last error, log, request log) unmasked, whatever its shape (issue #9 finding 3).
type watchedSecrets struct {
	secret.Store
	values *logging.Values
}

// Unwrap is the store being watched (secret.Patient's waiting state is read through it).
func (w watchedSecrets) Unwrap() secret.Store { return w.Store }

func (w watchedSecrets) Get(key string) (string, error) {
	v, err := w.Store.Get(key)
	if err == nil {
		w.values.Add(v)
	}
	return v, err
}

func (w watchedSecrets) Set(key, value string) error {
	w.values.Add(value) // before it is stored: a failing Set's error text must not carry it either
	return w.Store.Set(key, value)
}

// Redactor masks every secret the service knows (store values, management tokens) and credential shapes. The
// API layer uses it for the errors it writes itself.
func (s *Service) Redactor() *logging.Values { return s.redact }
