package model

import "container/list"

// maxCachedLabels bounds the text-feature cache of a Classifier: label sets change at run time (the
// element's labels property), and a long-running process must not keep every text it ever encoded.
// 4096 entries of ProjectionDim floats are 8 MB for a 512-dim model.
const maxCachedLabels = 4096

// labelCache is a least-recently-used map from label text to text features [P]. Not safe for
// concurrent use: Classifier.mu guards it.
type labelCache struct {
	max   int
	order *list.List // front: most recently used; values are *labelEntry
	items map[string]*list.Element
}

type labelEntry struct {
	text  string
	feats []float32
}

func newLabelCache(max int) *labelCache {
	return &labelCache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *labelCache) get(text string) ([]float32, bool) {
	e, ok := c.items[text]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*labelEntry).feats, true
}

func (c *labelCache) put(text string, feats []float32) {
	if e, ok := c.items[text]; ok {
		e.Value.(*labelEntry).feats = feats
		c.order.MoveToFront(e)
		return
	}
	c.items[text] = c.order.PushFront(&labelEntry{text, feats})
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*labelEntry).text)
	}
}

func (c *labelCache) len() int { return c.order.Len() }
