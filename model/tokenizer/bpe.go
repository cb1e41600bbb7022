package tokenizer

import "sync"

// endOfWord marks a word's last symbol. CLIP appends it before merging, so "a" alone ("a</w>") and "a"
// inside "at" are different tokens.
const endOfWord = "</w>"

// mergeEntry is one merge rule: lower rank applies first; id is the merged token's id.
type mergeEntry struct{ rank, id int32 }

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// bpe returns the ids of one pre-tokenized piece, from the cache when it has been seen. The slice is
// shared with the cache: callers must not modify it.
func (t *Tokenizer) bpe(piece string) []int {
	if ids, ok := t.cache.get(piece); ok {
		return ids
	}
	ids := t.mergeWord(piece)
	t.cache.put(piece, ids)
	return ids
}

// symbol is a node of the doubly linked list of a word's current tokens.
type symbol struct {
	id         int32
	prev, next int32 // -1 at the ends
	gone       bool  // merged into its left neighbour
}

// candidate is a possible merge of the symbol at pos with its right neighbour.
type candidate struct{ rank, pos, id int32 }

// mergeWord runs BPE over the bytes of piece exactly as tokenizers' Word::merge_all does: every
// adjacent pair with a merge rule is queued, and the lowest rank (then the leftmost position) is
// merged first, re-queuing the new pairs it forms. Matching its tie-breaking, not just the classic
// "merge all occurrences of the best pair", keeps the ids identical in every case.
func (t *Tokenizer) mergeWord(piece string) []int {
	n := len(piece)
	syms := make([]symbol, n)
	for i := 0; i < n; i++ {
		id := t.byteIDs[piece[i]]
		if i == n-1 {
			id = t.byteEndIDs[piece[i]]
		}
		syms[i] = symbol{id: id, prev: int32(i - 1), next: int32(i + 1)}
	}
	syms[n-1].next = -1

	var q mergeQueue
	for i := 0; i+1 < n; i++ {
		if m, ok := t.merges[pairKey(syms[i].id, syms[i+1].id)]; ok {
			q.push(candidate{m.rank, int32(i), m.id})
		}
	}
	for len(q) > 0 {
		c := q.pop()
		s := &syms[c.pos]
		if s.gone || s.next < 0 {
			continue
		}
		right := &syms[s.next]
		// The pair may have changed since it was queued; only merge what is still there.
		if m, ok := t.merges[pairKey(s.id, right.id)]; !ok || m.id != c.id {
			continue
		}
		s.id = c.id
		right.gone = true
		s.next = right.next
		if s.next >= 0 {
			syms[s.next].prev = c.pos
		}
		if s.prev >= 0 {
			if m, ok := t.merges[pairKey(syms[s.prev].id, s.id)]; ok {
				q.push(candidate{m.rank, s.prev, m.id})
			}
		}
		if s.next >= 0 {
			if m, ok := t.merges[pairKey(s.id, syms[s.next].id)]; ok {
				q.push(candidate{m.rank, c.pos, m.id})
			}
		}
	}

	ids := make([]int, 0, 4)
	for i := int32(0); i >= 0; i = syms[i].next {
		ids = append(ids, int(syms[i].id))
	}
	return ids
}

// mergeQueue is a binary min-heap of candidates ordered by (rank, pos). It is written out rather than
// built on container/heap to avoid boxing each candidate in an interface.
type mergeQueue []candidate

func (c candidate) less(d candidate) bool {
	return c.rank < d.rank || c.rank == d.rank && c.pos < d.pos
}

func (q *mergeQueue) push(c candidate) {
	h := append(*q, c)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].less(h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	*q = h
}

func (q *mergeQueue) pop() candidate {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l].less(h[m]) {
			m = l
		}
		if r < len(h) && h[r].less(h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

// Cache bounds: labels reuse a small set of words, while arbitrary input could grow an unbounded map
// without limit. Like tokenizers, once full the cache stops admitting new words instead of evicting.
const (
	cacheCapacity = 10000
	maxCachedWord = 256 // bytes; longer pieces are rare and cheap to recompute relative to their size
)

// wordCache maps a piece to its BPE ids. Reads dominate once the label set is warm, hence RWMutex.
type wordCache struct {
	mu sync.RWMutex
	m  map[string][]int
}

func (c *wordCache) get(piece string) ([]int, bool) {
	c.mu.RLock()
	ids, ok := c.m[piece]
	c.mu.RUnlock()
	return ids, ok
}

func (c *wordCache) put(piece string, ids []int) {
	if len(piece) > maxCachedWord {
		return
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[string][]int)
	}
	if len(c.m) < cacheCapacity {
		c.m[piece] = ids
	}
	c.mu.Unlock()
}
