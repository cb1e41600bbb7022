package hub

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestFromEnv: the environment is read as huggingface_hub reads it.
func TestFromEnv(t *testing.T) {
	home := t.TempDir()
	homeFn := func() (string, error) { return home, nil }
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

	c, err := fromEnv(env(nil), homeFn)
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != DefaultEndpoint || c.CacheDir != filepath.Join(home, ".cache", "huggingface", "hub") || c.Token != "" || c.Offline {
		t.Errorf("defaults: %+v", c)
	}

	hfHome := t.TempDir()
	if err := os.WriteFile(filepath.Join(hfHome, "token"), []byte("hf_from_file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ = fromEnv(env(map[string]string{"HF_HOME": hfHome, "HF_ENDPOINT": "http://127.0.0.1:1/", "HF_HUB_OFFLINE": "yes"}), homeFn)
	if c.Endpoint != "http://127.0.0.1:1" || c.CacheDir != filepath.Join(hfHome, "hub") || c.Token != "hf_from_file" || !c.Offline {
		t.Errorf("HF_HOME: %+v", c)
	}
	c, _ = fromEnv(env(map[string]string{"HF_HOME": hfHome, "HF_HUB_CACHE": "/x/cache", "HF_TOKEN": "hf_env", "HF_HUB_OFFLINE": "0"}), homeFn)
	if c.CacheDir != "/x/cache" || c.Token != "hf_env" || c.TokenFrom != "HF_TOKEN" || c.Offline {
		t.Errorf("HF_HUB_CACHE, HF_TOKEN: %+v", c)
	}
	c, _ = fromEnv(env(map[string]string{"XDG_CACHE_HOME": "/xdg", "TRANSFORMERS_OFFLINE": "1"}), homeFn)
	if c.CacheDir != "/xdg/huggingface/hub" || !c.Offline {
		t.Errorf("XDG_CACHE_HOME, TRANSFORMERS_OFFLINE: %+v", c)
	}
	if _, err := fromEnv(env(nil), func() (string, error) { return "", errors.New("no home") }); err == nil {
		t.Error("no home and no cache variable: no error")
	}
	if c, err := fromEnv(env(map[string]string{"HF_HUB_CACHE": "/c"}), func() (string, error) { return "", errors.New("no home") }); err != nil || c.CacheDir != "/c" {
		t.Errorf("no home but HF_HUB_CACHE: %v, %v", c, err)
	}
}
