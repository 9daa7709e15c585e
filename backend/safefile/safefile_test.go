package safefile

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestWriteKeepsModeAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	snap, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(snap, []byte("new"), Options{}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "new" {
		t.Fatalf("content = %q", got)
	}
	if runtime.GOOS != "windows" {
		st, _ := os.Stat(path)
		if st.Mode().Perm() != 0o640 {
			t.Fatalf("mode = %v, want 0640", st.Mode().Perm())
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temp files left: %v", ents)
	}
}

func TestWriteNewFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.toml")
	snap, err := Read(path)
	if err != nil || snap.Exists {
		t.Fatalf("snap=%+v err=%v", snap, err)
	}
	if err := Write(snap, []byte("x = 1\n"), Options{}); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		st, _ := os.Stat(path)
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("mode = %v", st.Mode().Perm())
		}
	}
}

func TestWriteRefusesWhenTheFileChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.json")
	os.WriteFile(path, []byte("v1"), 0o600)
	snap, _ := Read(path)
	os.WriteFile(path, []byte("v2 by the tool"), 0o600)
	err := Write(snap, []byte("ours"), Options{})
	if !errors.Is(err, ErrChanged) {
		t.Fatalf("err = %v, want ErrChanged", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "v2 by the tool" {
		t.Fatalf("content = %q", got)
	}
	// A file created after a "did not exist" snapshot is also a change.
	path2 := filepath.Join(t.TempDir(), "g.json")
	snap2, _ := Read(path2)
	os.WriteFile(path2, []byte("made meanwhile"), 0o600)
	if err := Write(snap2, []byte("ours"), Options{}); !errors.Is(err, ErrChanged) {
		t.Fatalf("err = %v, want ErrChanged", err)
	}
}

func TestBackupsKeepOriginalAndRotate(t *testing.T) {
	dir := t.TempDir()
	b := Backups{Root: filepath.Join(dir, "backups"), Keep: 3, Version: "test"}
	path := filepath.Join(dir, "home", "settings.json")
	os.MkdirAll(filepath.Dir(path), 0o700)
	for i := range 6 {
		os.WriteFile(path, []byte{byte('a' + i)}, 0o600)
		snap, _ := Read(path)
		if _, err := b.Save("claude", snap, "before-apply"); err != nil {
			t.Fatal(err)
		}
	}
	orig, ok, err := b.Original("claude", path)
	if err != nil || !ok {
		t.Fatalf("original: ok=%v err=%v", ok, err)
	}
	data, _ := orig.Data()
	if string(data) != "a" {
		t.Fatalf("original = %q, want the first-seen content", data)
	}
	list, _ := b.List("claude", path)
	if len(list) != 3 {
		t.Fatalf("kept %d copies, want 3", len(list))
	}
	newest, _ := list[0].Data()
	if string(newest) != "f" {
		t.Fatalf("newest = %q", newest)
	}
	// a missing file is remembered as missing
	other := filepath.Join(dir, "home", "none.json")
	snap, _ := Read(other)
	b.Save("codex", snap, "before-apply")
	o, ok, _ := b.Original("codex", other)
	if !ok || !o.Missing {
		t.Fatalf("missing original not recorded: %+v", o)
	}
	if strings.HasPrefix(b.Dir("claude", path), filepath.Dir(path)) {
		t.Fatal("backups must live outside the tool's directory")
	}
}

const childEnv = "NINEROUTER_SAFEFILE_CHILD"

// TestKillDuringWrite re-executes the test binary as a child that rewrites a file in a loop, kills it with
// SIGKILL (TerminateProcess on Windows) while it writes, and checks the file is one whole version.
func TestKillDuringWrite(t *testing.T) {
	for _, mode := range []string{"loop", "before-rename"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.toml")
			a, b := bigContent('a'), bigContent('b')
			if err := os.WriteFile(path, a, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$")
			cmd.Env = append(os.Environ(), childEnv+"="+mode, "NINEROUTER_SAFEFILE_PATH="+path)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			// loop: wait until a few writes are done, so the kill lands in the middle of a later one;
			// before-rename: the child is parked with a complete temp file not yet renamed.
			want := map[string]int{"loop": 3, "before-rename": 1}[mode]
			for seen := 0; seen < want && sc.Scan(); {
				if strings.HasPrefix(sc.Text(), "wrote") || sc.Text() == "parked" {
					seen++
				}
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
				t.Fatalf("file is torn: %d bytes, starts %q", len(got), got[:min(16, len(got))])
			}
			if mode == "before-rename" && !bytes.Equal(got, a) {
				t.Fatal("killed before the rename, yet the file changed")
			}
		})
	}
}

func bigContent(c byte) []byte { return bytes.Repeat([]byte{c}, 4<<20) }

func TestKillHelper(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("child process of TestKillDuringWrite")
	}
	path := os.Getenv("NINEROUTER_SAFEFILE_PATH")
	contents := [][]byte{bigContent('b'), bigContent('a')}
	for i := 0; ; i++ {
		snap, err := Read(path)
		if err != nil {
			panic(err)
		}
		opt := Options{}
		if mode == "before-rename" {
			opt.BeforeRename = func(string) {
				os.Stdout.WriteString("parked\n")
				select {} // wait for SIGKILL
			}
		}
		if err := Write(snap, contents[i%2], opt); err != nil {
			panic(err)
		}
		os.Stdout.WriteString("wrote\n")
	}
}

func TestWriteThroughSymlinkKeepsTheLink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "settings.json")
	os.MkdirAll(filepath.Dir(real), 0o755)
	os.WriteFile(real, []byte("old"), 0o644)
	link := filepath.Join(dir, "home", ".claude", "settings.json")
	os.MkdirAll(filepath.Dir(link), 0o755)
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	snap, err := Read(link)
	if err != nil || string(snap.Data) != "old" {
		t.Fatalf("read through link: %q %v", snap.Data, err)
	}
	if err := Write(snap, []byte("new"), Options{}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the symlink was replaced by a regular file")
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Fatalf("target = %q", b)
	}
}
