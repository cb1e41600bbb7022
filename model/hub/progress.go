package hub

import (
	"sync"
	"time"
)

// Throttle passes on progress at most once per interval for each file, and also at its start, at every
// tenth of its size, and at its end, so that a log gets a readable number of lines however fast the
// download is.
func Throttle(interval time.Duration, fn func(file string, done, total int64)) func(file string, done, total int64) {
	var mu sync.Mutex
	type state struct {
		last  time.Time
		tenth int64
	}
	files := map[string]*state{}
	return func(file string, done, total int64) {
		mu.Lock()
		st := files[file]
		now := time.Now()
		report := false
		switch {
		case st == nil:
			st = &state{}
			files[file] = st
			report = true
		case total > 0 && done >= total:
			report = true
		case now.Sub(st.last) >= interval:
			report = true
		case total > 0 && done*10/total > st.tenth:
			report = true
		}
		if total > 0 {
			st.tenth = done * 10 / total
		}
		if report {
			st.last = now
		}
		mu.Unlock()
		if report {
			fn(file, done, total)
		}
	}
}
