// Package hub fetches checkpoints from the Hugging Face hub into the cache that huggingface_hub (and so
// transformers) uses, so that a model downloaded by Python is found here and the other way round.
//
// Layout under the cache root ($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub):
//
//	models--ORG--NAME/                 (datasets--ORG--NAME for dataset repositories)
//	  refs/REVISION                    the commit hash a branch or tag pointed at when last asked
//	  blobs/ETAG                       file contents, named by their etag (sha256 for LFS files, git blob sha1 otherwise)
//	  blobs/ETAG.incomplete            a download in progress, resumed with an HTTP Range request
//	  snapshots/COMMIT/FILE            relative symlink to ../../blobs/ETAG
//	  .no_exist/COMMIT/FILE            empty: the hub said FILE is not in COMMIT
//
// Every file is located with a HEAD request on {endpoint}/{repo}/resolve/{revision}/{file} that does not
// follow redirects (huggingface_hub's get_hf_file_metadata): X-Repo-Commit gives the commit, X-Linked-Etag
// or ETag the blob name, X-Linked-Size or Content-Length the size, and a redirect's Location the CDN URL
// the bytes come from (the bearer token is sent to the hub only, never to another host). When the hub
// cannot be reached (no connection, a timeout, a 5xx or 429 answer), the cached snapshot of the revision
// is used and Client.Notice says so; HF_HUB_OFFLINE=1 uses the cache without asking. A refusal (unknown
// repository, revision or file, a gated repository, a missing or refused token) is an error, even when
// the cache has an older copy: the user should learn that the id or the token is wrong.
//
// Downloads go to blobs/ETAG.incomplete, resume with a Range request after a dropped or stalled
// connection (a few attempts with backoff in one call, and across calls), are checked (size; sha256 for
// LFS files) and only then renamed into place and linked from the snapshot.
//
// ResolveModel is the one entry point of the xclip command (--model) and the xclipfilter element
// (model=): a folder that exists is used as it is; "org/name[@revision]" is fetched with XCLIPFiles.
package hub
