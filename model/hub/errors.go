package hub

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Kinds of failure, for errors.Is: the hub's X-Error-Code values, refused access, and a file that is
// neither reachable nor cached.
var (
	ErrRepoNotFound     = errors.New("repository not found")
	ErrRevisionNotFound = errors.New("revision not found")
	ErrEntryNotFound    = errors.New("file not found")
	ErrGated            = errors.New("gated repository")
	ErrAccess           = errors.New("access refused")
	ErrNotCached        = errors.New("not in the cache")
)

// Error is a refusal from the hub, or a file the cache cannot supply, with what was asked for.
type Error struct {
	Kind     error  // one of the Err* values, or nil for another HTTP failure
	Status   int    // HTTP status; 0 when no request was answered
	Code     string // X-Error-Code, when the hub sent one
	Ref      Ref
	File     string
	Msg      string // the full explanation
	Fallback bool   // the hub could not be reached or failed (5xx): the cache may stand in
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

// httpError turns a hub answer of 400 or more into an Error that names what is wrong.
func (c *Client) httpError(resp *http.Response, ref Ref, file string) *Error {
	code := resp.Header.Get("X-Error-Code")
	e := &Error{Status: resp.StatusCode, Code: code, Ref: ref, File: file}
	detail := strings.TrimSpace(resp.Header.Get("X-Error-Message"))
	if detail != "" {
		detail = " (the hub says: " + detail + ")"
	}
	repo := fmt.Sprintf("%s repository %q", ref.Type, ref.Repo)
	switch {
	case code == "RepositoryNotFound":
		e.Kind = ErrRepoNotFound
		e.Msg = fmt.Sprintf("%s not found on %s, or it is private and the token has no access to it (%s)%s",
			repo, c.Endpoint, c.tokenState(), detail)
	case code == "RevisionNotFound":
		e.Kind = ErrRevisionNotFound
		e.Msg = fmt.Sprintf("revision %q not found in %s on %s%s", ref.Revision, repo, c.Endpoint, detail)
	case code == "EntryNotFound":
		e.Kind = ErrEntryNotFound
		e.Msg = fmt.Sprintf("file %q not found in %s at revision %q%s", file, repo, ref.Revision, detail)
	case code == "GatedRepo":
		e.Kind = ErrGated
		e.Msg = fmt.Sprintf("%s is gated: accept its conditions on %s/%s and use a token of that account (%s)%s",
			repo, c.Endpoint, ref.Repo, c.tokenState(), detail)
	case resp.StatusCode == http.StatusUnauthorized:
		e.Kind = ErrAccess
		if c.Token == "" {
			e.Msg = fmt.Sprintf("%s needs a token (401): set HF_TOKEN or log in with huggingface-cli (%s)%s", repo, c.tokenState(), detail)
		} else {
			e.Msg = fmt.Sprintf("the hub refused the token for %s (401: %s; is it valid?)%s", repo, c.tokenState(), detail)
		}
	case resp.StatusCode == http.StatusForbidden:
		e.Kind = ErrAccess
		e.Msg = fmt.Sprintf("access to %s is forbidden (403; %s)%s", repo, c.tokenState(), detail)
	case resp.StatusCode == http.StatusNotFound:
		e.Kind = ErrEntryNotFound
		e.Msg = fmt.Sprintf("not found (404): %s, revision %q, file %q%s", repo, ref.Revision, file, detail)
	default:
		e.Fallback = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		e.Msg = fmt.Sprintf("the hub answered %s for %q in %s at revision %q%s", resp.Status, file, repo, ref.Revision, detail)
	}
	return e
}
