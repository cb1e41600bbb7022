package hub

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// repoCache is one repository's folder in the cache (huggingface_hub's storage_folder).
type repoCache struct {
	root string // CacheDir
	dir  string // CacheDir/models--org--name
	name string // models--org--name
}

func (c *Client) repoCache(t RepoType, repo string) (repoCache, error) {
	if c.CacheDir == "" {
		return repoCache{}, errors.New("hub: no cache folder: set HF_HUB_CACHE or HF_HOME")
	}
	name := t.cachePrefix() + "--" + strings.ReplaceAll(repo, "/", "--")
	return repoCache{root: c.CacheDir, dir: filepath.Join(c.CacheDir, name), name: name}, nil
}

func (r repoCache) refPath(rev string) string {
	return filepath.Join(r.dir, "refs", filepath.FromSlash(rev))
}
func (r repoCache) blobPath(etag string) string {
	return filepath.Join(r.dir, "blobs", etag)
}
func (r repoCache) snapshotDir(commit string) string {
	return filepath.Join(r.dir, "snapshots", commit)
}
func (r repoCache) snapshotPath(commit, file string) string {
	return filepath.Join(r.snapshotDir(commit), filepath.FromSlash(file))
}
func (r repoCache) noExistPath(commit, file string) string {
	return filepath.Join(r.dir, ".no_exist", commit, filepath.FromSlash(file))
}

// lockPath is where huggingface_hub's filelock for a blob lives: CacheDir/.locks/models--org--name/ETAG.lock.
func (r repoCache) lockPath(etag string) string {
	return filepath.Join(r.root, ".locks", r.name, etag+".lock")
}

// commitOf resolves a revision from the cache alone: a commit hash is itself, a branch or tag is what
// refs/REVISION says. ok is false when the cache has never seen the revision.
func (r repoCache) commitOf(rev string) (string, bool) {
	if isCommit(rev) {
		return rev, true
	}
	b, err := os.ReadFile(r.refPath(rev))
	if err != nil {
		return "", false
	}
	commit := strings.TrimSpace(string(b))
	return commit, isCommit(commit)
}

// writeRef records which commit a branch or tag points at, as huggingface_hub does after every
// successful metadata request. Commit hashes need no ref.
func (r repoCache) writeRef(rev, commit string) error {
	if isCommit(rev) || rev == commit {
		return nil
	}
	p := r.refPath(rev)
	if b, err := os.ReadFile(p); err == nil && string(b) == commit {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	return writeAtomic(p, []byte(commit))
}

// cached is the cache's answer for one file at a commit: the snapshot path, or errNoExist when a
// .no_exist marker says the hub does not have it, or fs.ErrNotExist when the cache does not know.
func (r repoCache) cached(commit, file string) (string, error) {
	p := r.snapshotPath(commit, file)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if _, err := os.Stat(r.noExistPath(commit, file)); err == nil {
		return "", errNoExist
	}
	return "", fs.ErrNotExist
}

// errNoExist marks a file that a .no_exist marker (or the hub) says is absent.
var errNoExist = errors.New("absent")

// markNoExist writes the empty .no_exist/COMMIT/FILE marker huggingface_hub writes for a 404.
func (r repoCache) markNoExist(commit, file string) error {
	p := r.noExistPath(commit, file)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	return f.Close()
}

// link points snapshots/COMMIT/FILE at the blob with a relative symlink, replacing any older entry
// atomically (a temporary link renamed over it).
func (r repoCache) link(commit, file, etag string) (string, error) {
	p := r.snapshotPath(commit, file)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("hub cache: %w", err)
	}
	target, err := filepath.Rel(filepath.Dir(p), r.blobPath(etag))
	if err != nil {
		return "", fmt.Errorf("hub cache: %w", err)
	}
	tmp := tempName(p)
	if err := os.Symlink(target, tmp); err != nil {
		return "", fmt.Errorf("hub cache: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("hub cache: %w", err)
	}
	return p, nil
}

// tempName is a name beside p that no other writer (goroutine or process) picks.
func tempName(p string) string {
	return fmt.Sprintf("%s.%d-%x.tmp", p, os.Getpid(), rand.Uint64())
}

// writeAtomic writes a small file through a temporary file and a rename.
func writeAtomic(p string, data []byte) error {
	tmp := tempName(p)
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("hub cache: %w", err)
	}
	return nil
}

// checkFileName refuses names that would leave the snapshot folder (absolute, "..", backslashes).
func checkFileName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.ContainsRune(name, 0) {
		return fmt.Errorf("file name %q is not a relative path", name)
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("file name %q is not a clean relative path", name)
		}
	}
	if path.Clean(name) != name {
		return fmt.Errorf("file name %q is not a clean relative path", name)
	}
	return nil
}

// checkRevision refuses revisions that would leave the refs folder.
func checkRevision(rev string) error {
	if rev == "" {
		return errors.New("empty revision")
	}
	if err := checkFileName(rev); err != nil {
		return fmt.Errorf("revision %q is not a branch, tag or commit name", rev)
	}
	return nil
}
