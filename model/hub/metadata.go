package hub

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// fileMeta is what a HEAD request on a resolve URL says about one file (huggingface_hub's HfFileMetadata).
type fileMeta struct {
	Commit   string // X-Repo-Commit
	ETag     string // X-Linked-Etag or ETag, quotes and W/ stripped: the blob's name
	Size     int64  // X-Linked-Size or Content-Length; -1 when neither
	Location string // where the bytes are: the redirect's target (a CDN) or the resolve URL itself
}

// resolveURL is {endpoint}[/datasets]/{repo}/resolve/{revision}/{file}, the revision escaped as one path
// segment (refs/pr/1 becomes refs%2Fpr%2F1, as huggingface_hub's quote(revision, safe="")).
func (c *Client) resolveURL(ref Ref, file string) string {
	segs := strings.Split(file, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return c.Endpoint + ref.Type.urlPrefix() + "/" + ref.Repo + "/resolve/" + url.PathEscape(ref.Revision) + "/" + strings.Join(segs, "/")
}

// newRequest adds the headers huggingface_hub sends; the token only goes to the endpoint's host.
func (c *Client) newRequest(ctx context.Context, method, u string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, fmt.Errorf("hub: bad URL %q: %w", u, err)
	}
	req.Header.Set("User-Agent", "xclipfilter-hub/1")
	req.Header.Set("Accept-Encoding", "identity")
	if c.Token != "" && sameHost(u, c.Endpoint) {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return req, nil
}

func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && ua.Host == ub.Host
}

// unreachable wraps a request that got no answer (refused, DNS, timeout): the cache may stand in.
func (c *Client) unreachable(ref Ref, file string, err error) *Error {
	return &Error{Ref: ref, File: file, Fallback: true,
		Msg: fmt.Sprintf("cannot reach the hub at %s for %s: %v", c.Endpoint, ref, err)}
}

// metadata is huggingface_hub's get_hf_file_metadata: a HEAD that follows only relative redirects
// (a renamed repository) and keeps an absolute one's Location as the download URL.
func (c *Client) metadata(ctx context.Context, ref Ref, file string) (fileMeta, error) {
	hc := *c.httpClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	u := c.resolveURL(ref, file)
	for hop := 0; ; hop++ {
		req, err := c.newRequest(ctx, http.MethodHead, u)
		if err != nil {
			return fileMeta{}, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return fileMeta{}, ctx.Err()
			}
			return fileMeta{}, c.unreachable(ref, file, err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			return fileMeta{Commit: resp.Header.Get("X-Repo-Commit")}, c.httpError(resp, ref, file)
		}
		loc := resp.Header.Get("Location")
		if resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
			next, err := req.URL.Parse(loc)
			if err != nil {
				return fileMeta{}, fmt.Errorf("hub: bad redirect %q for %s: %w", loc, file, err)
			}
			if l, _ := url.Parse(loc); l != nil && l.Host == "" && hop < 5 {
				u = next.String() // relative: the hub itself, e.g. a renamed repository
				continue
			}
			loc = next.String()
		} else {
			loc = u
		}
		m := fileMeta{Commit: resp.Header.Get("X-Repo-Commit"), Size: -1, Location: loc}
		m.ETag = normalizeETag(resp.Header.Get("X-Linked-Etag"))
		if m.ETag == "" {
			m.ETag = normalizeETag(resp.Header.Get("ETag"))
		}
		size := resp.Header.Get("X-Linked-Size")
		if size == "" {
			size = resp.Header.Get("Content-Length")
		}
		if n, err := strconv.ParseInt(size, 10, 64); err == nil && n >= 0 {
			m.Size = n
		}
		switch {
		case !isCommit(m.Commit):
			return m, fmt.Errorf("hub: %s answered for %s/%s without a commit hash (X-Repo-Commit %q): not a Hugging Face hub, or a proxy dropped the header",
				c.Endpoint, ref, file, m.Commit)
		case m.ETag == "" || strings.ContainsAny(m.ETag, `/\`) || m.ETag == "." || m.ETag == "..":
			return m, fmt.Errorf("hub: %s answered for %s/%s without a usable ETag (%q)", c.Endpoint, ref, file, m.ETag)
		}
		return m, nil
	}
}

// normalizeETag strips a weak marker and quotes (huggingface_hub's _normalize_etag).
func normalizeETag(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "W/")
	return strings.Trim(s, `"`)
}
