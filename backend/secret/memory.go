package secret

import "sync"

// Memory is an in-process store for tests and for `--data-dir` dry runs.
type Memory struct {
	mu sync.Mutex
	m  map[string]string
}

// NewMemory returns an empty memory store.
func NewMemory() *Memory { return &Memory{m: map[string]string{}} }

func (m *Memory) Kind() string     { return "memory" }
func (m *Memory) Describe() string { return "memory (not persisted)" }

func (m *Memory) Get(key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[key]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (m *Memory) Set(key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[key] = value
	return nil
}

func (m *Memory) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, key)
	return nil
}
