package model

// Observe makes m report every intermediate activation of its forward passes to fn, under the golden
// files' names (see observer); nil stops it. Only for tests.
func Observe(m *Model, fn func(name string, x Mat)) {
	if fn == nil {
		m.obs = nil
		return
	}
	m.obs = observerFunc(fn)
}

type observerFunc func(name string, x Mat)

func (f observerFunc) observe(name string, x Mat) { f(name, x) }
