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
// cannot be reached, or HF_HUB_OFFLINE is set, the cache alone answers.
package hub
