package autostart

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

func testManager(t *testing.T, goos string) *Manager {
	t.Helper()
	home := t.TempDir()
	return &Manager{Exe: "/opt/Nine Router/bin/ninerouter", Home: home, ConfigHome: filepath.Join(home, ".config"), GOOS: goos}
}

// The Linux entry is a real file under ~/.config/autostart: on writes it with the binary's path, off removes
// it, and a moved binary shows as not current until turned on again.
func TestXDGEntryOnOff(t *testing.T) {
	m := testManager(t, "linux")
	path := filepath.Join(m.ConfigHome, "autostart", "ninerouter.desktop")

	st, err := m.Status()
	if err != nil || st.Enabled || !st.Supported || st.Where != path {
		t.Fatalf("fresh status = %+v, %v", st, err)
	}
	if err := m.Enable(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\nExec=\"/opt/Nine Router/bin/ninerouter\" --autostart\n") ||
		!strings.HasPrefix(string(b), "[Desktop Entry]\nType=Application\n") {
		t.Fatalf("entry:\n%s", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	st, err = m.Status()
	if err != nil || !st.Enabled || !st.Current || st.Command != `"/opt/Nine Router/bin/ninerouter" --autostart` {
		t.Fatalf("status after on = %+v, %v", st, err)
	}

	moved := *m
	moved.Exe = "/usr/bin/ninerouter"
	if st, _ := moved.Status(); !st.Enabled || st.Current {
		t.Fatalf("a moved binary should see a stale entry: %+v", st)
	}
	if err := moved.Enable(); err != nil {
		t.Fatal(err)
	}
	if st, _ := moved.Status(); !st.Current || st.Command != "/usr/bin/ninerouter --autostart" {
		t.Fatalf("re-pointed: %+v", st)
	}

	if err := m.Disable(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("entry still there: %v", err)
	}
	if err := m.Disable(); err != nil {
		t.Fatalf("turning off twice: %v", err)
	}
	left, _ := os.ReadDir(filepath.Dir(path))
	if len(left) != 0 {
		t.Fatalf("left behind in autostart/: %v", left)
	}
}

// A file the user (or another tool) wrote under our name that has no Exec is reported, not trusted.
func TestXDGEntryForeign(t *testing.T) {
	m := testManager(t, "linux")
	path := filepath.Join(m.ConfigHome, "autostart", "ninerouter.desktop")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("[Other]\nExec=evil\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Status(); err == nil || !strings.Contains(err.Error(), "not an entry NineRouter can read") {
		t.Fatalf("err = %v", err)
	}
}

func TestLaunchAgentOnOff(t *testing.T) {
	m := testManager(t, "darwin")
	m.Exe = "/Applications/NineRouter.app/Contents/MacOS/NineRouter & <co>"
	if err := m.Enable(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(m.Home, "Library", "LaunchAgents", "app.ninerouter.plist")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<key>Label</key>\n\t<string>app.ninerouter</string>", "<key>RunAtLoad</key>\n\t<true/>",
		"<string>/Applications/NineRouter.app/Contents/MacOS/NineRouter &amp; &lt;co&gt;</string>", "<string>--autostart</string>"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("plist lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "KeepAlive") {
		t.Error("a KeepAlive agent would restart NineRouter after the user quits it")
	}
	st, err := m.Status()
	if err != nil || !st.Enabled || !st.Current || st.Command != m.Exe+" --autostart" {
		t.Fatalf("status = %+v, %v", st, err)
	}
	if err := m.Disable(); err != nil {
		t.Fatal(err)
	}
	if st, _ := m.Status(); st.Enabled {
		t.Fatalf("still on: %+v", st)
	}
}

func TestRunKeyElsewhere(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the real Run key is exercised on Windows")
	}
	m := testManager(t, "windows")
	if err := m.Enable(); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
	if got := runKeyCommand(`C:\Users\A B\AppData\Local\NineRouter\ninerouter.exe`); got != `"C:\Users\A B\AppData\Local\NineRouter\ninerouter.exe" --autostart` {
		t.Fatal(got)
	}
	if err := (&Manager{GOOS: "plan9"}).Enable(); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("plan9: %v", err)
	}
}

func TestXDGExecQuoting(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/usr/bin/ninerouter", "/usr/bin/ninerouter"},
		{"/home/a b/nr", `"/home/a b/nr"`},
		{`/home/x"y/nr`, `"/home/x\\"y/nr"`},
		{`/home/$HOME/nr`, `"/home/\\$HOME/nr"`},
		{`/home/back\slash/nr`, `"/home/back\\\\slash/nr"`},
		{"/home/100%/nr", "/home/100%%/nr"},
	} {
		if got := xdgExec(tc.in); got != tc.want {
			t.Errorf("xdgExec(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestExecutableResolvesSymlinks(t *testing.T) {
	exe, err := Executable()
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(exe) {
		t.Fatalf("not absolute: %s", exe)
	}
	if r, _ := filepath.EvalSymlinks(exe); r != exe {
		t.Fatalf("%s resolves further to %s", exe, r)
	}
}

func FuzzEntryParsers(f *testing.F) {
	f.Add(xdgEntry("/usr/bin/ninerouter"))
	f.Add(launchAgent("/Applications/NineRouter.app/Contents/MacOS/NineRouter"))
	f.Add([]byte("[Desktop Entry]\nExec=\n[x]\nExec=y"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = xdgCommand(b)
		_, _ = launchAgentCommand(b)
	})
}

// FuzzEntryRoundTrip: for any binary path, the entry NineRouter writes reads back as exactly the command it
// compares against, and two different paths never read back alike (status would call a moved binary current).
func FuzzEntryRoundTrip(f *testing.F) {
	f.Add("/usr/bin/ninerouter", "/opt/Nine Router/bin/ninerouter")
	f.Add(`/home/a/$HOME/%u/"x"`, "/Applications/NineRouter.app/Contents/MacOS/NineRouter")
	f.Add("/tmp/a\nExec=evil", "/tmp/a\\nExec=evil")
	f.Fuzz(func(t *testing.T, exe1, exe2 string) {
		if len(exe1) > 4096 || len(exe2) > 4096 { // PATH_MAX
			return
		}
		x1, ok1 := xdgCommand(xdgEntry(exe1))
		x2, ok2 := xdgCommand(xdgEntry(exe2))
		if !ok1 || x1 != xdgExec(exe1, Flag) || !ok2 {
			t.Fatalf("entry for %q reads back %q %v, wrote %q", exe1, x1, ok1, xdgExec(exe1, Flag))
		}
		if exe1 != exe2 && x1 == x2 {
			t.Fatalf("%q and %q both read back %q", exe1, exe2, x1)
		}
		if !xmlText(exe1) || !xmlText(exe2) {
			return // XML cannot hold it; xml.EscapeText writes U+FFFD
		}
		l1, ok1 := launchAgentCommand(launchAgent(exe1))
		l2, _ := launchAgentCommand(launchAgent(exe2))
		if !ok1 || l1 != exe1+" "+Flag {
			t.Fatalf("LaunchAgent for %q reads back %q %v", exe1, l1, ok1)
		}
		if exe1 != exe2 && l1 == l2 {
			t.Fatalf("%q and %q both read back %q", exe1, exe2, l1)
		}
	})
}

// xmlText reports whether s is made only of XML 1.0 characters.
func xmlText(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r >= 0xFFFE && r <= 0xFFFF || r >= 0xD800 && r <= 0xDFFF {
			return false
		}
	}
	return utf8.ValidString(s)
}
