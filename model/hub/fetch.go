package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// sha256Pattern: an LFS file's etag is the sha256 of its contents, which the download is checked against.
var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// fetchBlob downloads m's bytes into blobs/ETAG: appended to blobs/ETAG.incomplete (resumed from its
// length, by this call after a dropped connection or by a later call), checked (size; sha256 for LFS
// files), then renamed into place. A file lock shared with huggingface_hub keeps two downloads of the
// same blob apart.
func (c *Client) fetchBlob(ctx context.Context, rc repoCache, ref Ref, file string, m fileMeta) error {
	blob := rc.blobPath(m.ETag)
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	unlock, err := lockFile(rc.lockPath(m.ETag))
	if err != nil {
		return fmt.Errorf("hub cache: locking %s: %w", file, err)
	}
	defer unlock()
	if exists(blob) { // another process finished it while we waited
		return nil
	}
	inc := blob + ".incomplete"
	var lastErr error
	for attempt := 0; attempt <= c.retries(); attempt++ {
		if attempt > 0 {
			wait := time.Duration(200<<min(attempt-1, 5)) * time.Millisecond
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
		retry, err := c.getOnce(ctx, ref, file, m, inc)
		if err == nil {
			break
		}
		lastErr = err
		if !retry || ctx.Err() != nil {
			return err
		}
		if attempt == c.retries() {
			return fmt.Errorf("hub: downloading %q of %s failed %d times, last: %w (run again to resume from %s)",
				file, ref, attempt+1, lastErr, inc)
		}
	}
	if err := verify(inc, file, m); err != nil {
		os.Remove(inc)
		return err
	}
	if err := os.Rename(inc, blob); err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	return nil
}

// getOnce makes one GET, resuming from inc's length with a Range request. retry is true when the
// failure is worth another attempt (a dropped or stalled connection, a 5xx).
func (c *Client) getOnce(ctx context.Context, ref Ref, file string, m fileMeta, inc string) (retry bool, err error) {
	f, err := os.OpenFile(inc, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return false, fmt.Errorf("hub cache: %w", err)
	}
	defer f.Close()
	offset, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return false, fmt.Errorf("hub cache: %w", err)
	}
	if m.Size >= 0 && offset > m.Size { // not ours: start again
		if err := truncate(f); err != nil {
			return false, err
		}
		offset = 0
	}
	if m.Size >= 0 && offset == m.Size {
		return false, nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := c.newRequest(ctx, http.MethodGet, m.Location)
	if err != nil {
		return false, err
	}
	if offset > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	hc := *c.httpClient()
	hc.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("too many redirects")
		}
		if !sameHost(r.URL.String(), c.Endpoint) {
			r.Header.Del("Authorization") // as huggingface_hub: the token stays with the hub
		}
		return nil
	}
	resp, err := hc.Do(req)
	if err != nil {
		return true, fmt.Errorf("GET %s: %w", redact(m.Location), err) // fetchBlob stops if the caller cancelled
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent:
		start, ok := contentRangeStart(resp.Header.Get("Content-Range"))
		if !ok || start != offset {
			if err := truncate(f); err != nil {
				return false, err
			}
			return true, fmt.Errorf("the server resumed %q at %q, not at byte %d: starting again", file, resp.Header.Get("Content-Range"), offset)
		}
	case resp.StatusCode == http.StatusOK:
		if offset > 0 { // the server ignored the Range: take the whole file
			if err := truncate(f); err != nil {
				return false, err
			}
			offset = 0
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		if err := truncate(f); err != nil {
			return false, err
		}
		return true, fmt.Errorf("the server refused to resume %q at byte %d: starting again", file, offset)
	default:
		he := c.httpError(resp, ref, file)
		return he.Fallback, he
	}

	// The idle watchdog cancels the request when no byte arrives for IdleTimeout.
	idle := c.idleTimeout()
	watchdog := time.AfterFunc(idle, cancel)
	defer watchdog.Stop()
	buf := make([]byte, 256<<10)
	done := offset
	c.progress(file, done, m.Size)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			watchdog.Reset(idle)
			if _, err := f.Write(buf[:n]); err != nil {
				return false, fmt.Errorf("hub cache: writing %s: %w", inc, err)
			}
			done += int64(n)
			c.progress(file, done, m.Size)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return true, fmt.Errorf("connection dropped after %d of %d bytes of %q: %v", done, m.Size, file, rerr)
		}
	}
	if m.Size >= 0 && done < m.Size {
		return true, fmt.Errorf("connection ended after %d of %d bytes of %q", done, m.Size, file)
	}
	if err := f.Sync(); err != nil {
		return false, fmt.Errorf("hub cache: %w", err)
	}
	return false, nil
}

func (c *Client) progress(file string, done, total int64) {
	if c.Progress != nil {
		c.Progress(file, done, total)
	}
}

func truncate(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	return nil
}

// contentRangeStart reads N of "bytes N-M/T".
func contentRangeStart(s string) (int64, bool) {
	s, ok := strings.CutPrefix(s, "bytes ")
	if !ok {
		return 0, false
	}
	first, _, ok := strings.Cut(s, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(first, 10, 64)
	return n, err == nil
}

// verify checks a finished download: its size, and for LFS files (a sha256 etag) its sha256.
func verify(path, file string, m fileMeta) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	if m.Size >= 0 && fi.Size() != m.Size {
		return fmt.Errorf("hub: %q downloaded as %d bytes, the hub says %d: discarded, try again", file, fi.Size(), m.Size)
	}
	if !sha256Pattern.MatchString(m.ETag) {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("hub cache: reading %s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != m.ETag {
		return fmt.Errorf("hub: %q is corrupt: its sha256 is %s, the hub says %s: discarded, try again", file, got, m.ETag)
	}
	return nil
}

// redact drops a URL's query (CDN URLs carry signatures) for error messages.
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}
