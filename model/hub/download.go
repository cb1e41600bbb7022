package hub

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Download returns the cached path (snapshots/COMMIT/FILE) of one file of a repository at a revision,
// fetching it first when the cache lacks it. When the hub cannot be reached, or c.Offline, a cached copy
// for that revision is used; a file the hub does not have is an error wrapping ErrEntryNotFound.
func (c *Client) Download(ctx context.Context, t RepoType, repo, revision, file string) (string, error) {
	p, _, err := c.file(ctx, Ref{Type: t, Repo: repo, Revision: revision}, file, c.Offline)
	return p, err
}

// source says where a file came from.
type source int

const (
	fromHub      source = iota // the hub was asked (the blob may have been cached already)
	fromCache                  // the hub was not asked (offline, or a commit hash already cached)
	fromFallback               // the hub could not be reached; the cache stood in
)

// file is hf_hub_download: the path of FILE in the snapshot of ref's commit, and that commit.
func (c *Client) file(ctx context.Context, ref Ref, file string, offline bool) (path string, commit string, err error) {
	p, commit, _, err := c.fileFrom(ctx, ref, file, offline)
	return p, commit, err
}

func (c *Client) fileFrom(ctx context.Context, ref Ref, file string, offline bool) (string, string, source, error) {
	if ref.Type == "" {
		ref.Type = Model
	}
	if err := checkFileName(file); err != nil {
		return "", "", fromCache, fmt.Errorf("hub: %s: %w", ref, err)
	}
	if err := checkRevision(ref.Revision); err != nil {
		return "", "", fromCache, fmt.Errorf("hub: %s: %w", ref.Repo, err)
	}
	rc, err := c.repoCache(ref.Type, ref.Repo)
	if err != nil {
		return "", "", fromCache, err
	}
	if isCommit(ref.Revision) { // a commit's files never change: the cache answers without the hub
		if p, err := rc.cached(ref.Revision, file); err == nil || errors.Is(err, errNoExist) {
			return p, ref.Revision, fromCache, c.cacheError(ref, file, err, "")
		}
	}
	if offline {
		p, commit, err := c.fromCache(rc, ref, file, "HF_HUB_OFFLINE is set")
		return p, commit, fromCache, err
	}
	m, err := c.metadata(ctx, ref, file)
	var he *Error
	if errors.As(err, &he) && he.Fallback {
		p, commit, cerr := c.fromCache(rc, ref, file, he.Msg)
		if cerr == nil {
			c.notice(fmt.Sprintf("%s; using the cached copy of %s (commit %s)", he.Msg, ref, commit))
		}
		return p, commit, fromFallback, cerr
	}
	if errors.Is(err, ErrEntryNotFound) && isCommit(m.Commit) {
		// As huggingface_hub: remember the absence for this commit, and which commit the revision is.
		if werr := rc.markNoExist(m.Commit, file); werr != nil {
			return "", "", fromHub, werr
		}
		if werr := rc.writeRef(ref.Revision, m.Commit); werr != nil {
			return "", "", fromHub, werr
		}
	}
	if err != nil {
		return "", m.Commit, fromHub, err
	}
	if err := rc.writeRef(ref.Revision, m.Commit); err != nil {
		return "", "", fromHub, err
	}
	if p, err := rc.cached(m.Commit, file); err == nil {
		return p, m.Commit, fromHub, nil
	}
	if err := c.fetchBlob(ctx, rc, ref, file, m); err != nil {
		return "", m.Commit, fromHub, err
	}
	p, err := rc.link(m.Commit, file, m.ETag)
	return p, m.Commit, fromHub, err
}

// fromCache answers from the cache alone; why says why the hub was not asked.
func (c *Client) fromCache(rc repoCache, ref Ref, file, why string) (string, string, error) {
	commit, ok := rc.commitOf(ref.Revision)
	if !ok {
		return "", "", &Error{Kind: ErrNotCached, Ref: ref, File: file,
			Msg: fmt.Sprintf("%s, and %s is not in the cache %s (no refs/%s): fetch it once with the hub reachable (xclip download %s)",
				why, ref, c.CacheDir, ref.Revision, ref)}
	}
	p, err := rc.cached(commit, file)
	return p, commit, c.cacheError(ref, file, err, why)
}

// cacheError explains a cache miss (err from repoCache.cached); nil stays nil.
func (c *Client) cacheError(ref Ref, file string, err error, why string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNoExist):
		return &Error{Kind: ErrEntryNotFound, Ref: ref, File: file,
			Msg: fmt.Sprintf("file %q is not in %s %q at revision %q (the cache remembers the hub's 404)", file, ref.Type, ref.Repo, ref.Revision)}
	case errors.Is(err, fs.ErrNotExist):
		return &Error{Kind: ErrNotCached, Ref: ref, File: file,
			Msg: fmt.Sprintf("%s, and %q of %s is not in the cache %s", why, file, ref, c.CacheDir)}
	}
	return err
}

// Exists reports whether f is a regular file or a symlink to one.
func exists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
