package hub

import (
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultEndpoint is the hub huggingface_hub talks to when HF_ENDPOINT is unset.
const DefaultEndpoint = "https://huggingface.co"

// Client fetches files from one hub endpoint into one cache. The zero value is not usable: start from
// FromEnv, or fill Endpoint and CacheDir. A Client is safe for concurrent use once its fields are set.
type Client struct {
	Endpoint string // e.g. https://huggingface.co, no trailing slash
	Token    string // sent as "Authorization: Bearer" to Endpoint's host only; "" for none
	// TokenFrom says where Token came from ("HF_TOKEN", a token file), so that errors can say whether a
	// token was sent without printing it.
	TokenFrom string
	CacheDir  string // the hub cache root (models--ORG--NAME folders)
	Offline   bool   // use the cache only (HF_HUB_OFFLINE)

	// HTTPClient makes the requests; nil means one with the timeouts of NewHTTPClient. Its redirect
	// policy is replaced: metadata requests follow none, downloads drop the token on another host.
	HTTPClient *http.Client
	// IdleTimeout aborts a download that receives nothing for this long (it is then retried); 0: 60 s.
	IdleTimeout time.Duration
	// Retries is how many times one call retries a dropped download, resuming where it stopped; 0: 5.
	Retries int

	// Progress, when set, is called as a file downloads: bytes written so far and the total (-1 when
	// the hub gave no size). It is called often; see Throttle.
	Progress func(file string, done, total int64)
	// Notice, when set, receives what a user should know but is no error (the cache was used because
	// the hub could not be reached).
	Notice func(msg string)
}

// NewHTTPClient returns a client whose connections give up quickly (10 s to connect or to finish TLS,
// 30 s to the response headers) so that an unreachable hub falls back to the cache instead of hanging;
// bodies are watched by Client.IdleTimeout instead of an overall limit, since checkpoints are large.
func NewHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
	}}
}

// FromEnv configures a client the way huggingface_hub reads its environment:
//
//   - HF_ENDPOINT: the hub (default https://huggingface.co).
//   - HF_HUB_CACHE (or the older HUGGINGFACE_HUB_CACHE): the cache root; else $HF_HOME/hub, where HF_HOME
//     defaults to $XDG_CACHE_HOME/huggingface or ~/.cache/huggingface.
//   - HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN): the access token; else the file $HF_TOKEN_PATH,
//     else $HF_HOME/token, which `huggingface-cli login` writes.
//   - HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) = 1, ON, YES or TRUE: never contact the hub.
func FromEnv() (*Client, error) { return fromEnv(os.Getenv, os.UserHomeDir) }

func fromEnv(getenv func(string) string, home func() (string, error)) (*Client, error) {
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := getenv(k); v != "" {
				return v
			}
		}
		return ""
	}
	c := &Client{Endpoint: strings.TrimRight(first("HF_ENDPOINT"), "/"), HTTPClient: NewHTTPClient()}
	if c.Endpoint == "" {
		c.Endpoint = DefaultEndpoint
	}
	hfHome := getenv("HF_HOME")
	if hfHome == "" {
		cache := getenv("XDG_CACHE_HOME")
		if cache == "" {
			h, err := home()
			if err != nil || h == "" {
				if first("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE") == "" {
					return nil, errors.New("hub cache: no home folder to put ~/.cache/huggingface in: set HF_HUB_CACHE or HF_HOME")
				}
			}
			cache = filepath.Join(h, ".cache")
		}
		hfHome = filepath.Join(cache, "huggingface")
	}
	c.CacheDir = first("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE")
	if c.CacheDir == "" {
		c.CacheDir = filepath.Join(hfHome, "hub")
	}
	if t := strings.TrimSpace(first("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")); t != "" {
		c.Token = t
		c.TokenFrom = "HF_TOKEN"
		if getenv("HF_TOKEN") == "" {
			c.TokenFrom = "HUGGING_FACE_HUB_TOKEN"
		}
	} else {
		path := getenv("HF_TOKEN_PATH")
		if path == "" {
			path = filepath.Join(hfHome, "token")
		}
		if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) != "" {
			c.Token, c.TokenFrom = strings.TrimSpace(string(b)), "the token file "+path
		}
	}
	c.Offline = isTrue(first("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))
	return c, nil
}

// isTrue is huggingface_hub's _is_true.
func isTrue(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return NewHTTPClient()
}

func (c *Client) idleTimeout() time.Duration {
	if c.IdleTimeout > 0 {
		return c.IdleTimeout
	}
	return 60 * time.Second
}

func (c *Client) retries() int {
	if c.Retries > 0 {
		return c.Retries
	}
	return 5
}

func (c *Client) notice(msg string) {
	if c.Notice != nil {
		c.Notice(msg)
	}
}

// tokenState says, for an error message, whether a token was sent (never the token itself).
func (c *Client) tokenState() string {
	if c.Token == "" {
		return "no token was sent: HF_TOKEN is not set and there is no token file"
	}
	return "a token from " + c.TokenFrom + " was sent"
}
