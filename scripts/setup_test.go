// Package scripts holds the project's shell scripts; this test checks scripts/setup.sh with fake
// dpkg-query, apt-get, sudo and id on PATH, so that nothing is installed.
package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeBin writes executable shell scripts into a folder for PATH.
func fakeBin(t *testing.T, scripts map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSetupInstallsOnlyWhatIsMissing: with every package installed nothing runs; with two missing,
// apt-get update and install run for those two only, through sudo when not root.
func TestSetupInstallsOnlyWhatIsMissing(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	list, err := exec.Command(bash, "setup.sh", "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"libgstreamer1.0-dev", "gstreamer1.0-plugins-ugly", "gstreamer1.0-libav", "python3-gi", "gcc", "make"} {
		if !strings.Contains("\n"+string(list), "\n"+p+"\n") {
			t.Errorf("setup.sh --list lacks %s:\n%s", p, list)
		}
	}
	for _, c := range []struct {
		name, missing, uid string
		want               []string
	}{
		{"all installed", "", "0", nil},
		{"two missing, root", "gstreamer1.0-libav mosquitto", "0", []string{
			"apt-get update -qq", "apt-get install -y -qq gstreamer1.0-libav mosquitto"}},
		{"two missing, user", "gstreamer1.0-libav mosquitto", "1000", []string{
			"sudo apt-get update -qq", "apt-get update -qq",
			"sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gstreamer1.0-libav mosquitto",
			"apt-get install -y -qq gstreamer1.0-libav mosquitto"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "log")
			bin := fakeBin(t, map[string]string{
				// dpkg-query -W -f=... PACKAGE: installed unless listed in MISSING
				"dpkg-query": `for a; do p=$a; done
for m in $MISSING; do [ "$m" = "$p" ] && exit 1; done
printf 'install ok installed'`,
				"apt-get": `echo "apt-get $*" >>"$LOG"`,
				"sudo":    `echo "sudo $*" >>"$LOG"; exec "$@"`,
				"id":      `echo "$FAKE_UID"`,
			})
			cmd := exec.Command(bash, "setup.sh")
			cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "LOG="+log, "MISSING="+c.missing, "FAKE_UID="+c.uid)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("setup.sh: %v\n%s", err, out)
			}
			b, err := os.ReadFile(log)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			got := strings.Fields(strings.TrimSpace(string(b)))
			want := strings.Fields(strings.Join(c.want, "\n"))
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("ran:\n%s\nwant:\n%s", b, strings.Join(c.want, "\n"))
			}
			check := exec.Command(bash, "setup.sh", "--check")
			check.Env = cmd.Env
			out, err := check.CombinedOutput()
			if (err == nil) != (c.missing == "") || (c.missing != "" && !strings.Contains(string(out), c.missing)) {
				t.Errorf("--check: %v\n%s", err, out)
			}
		})
	}
}
