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

// SetLabelCache gives c an empty label cache of n entries.
func SetLabelCache(c *Classifier, n int) { c.cache = newLabelCache(n) }

// LabelCacheLen is how many labels c's cache holds.
func LabelCacheLen(c *Classifier) int { return c.cache.len() }
