package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// What the desktop binary links on Debian 12 for each WebKitGTK ABI (readelf -d build/bin/ninerouter).
var (
	libsWebKit40 = []string{"libgtk-3.so.0", "libgdk-3.so.0", "libwebkit2gtk-4.0.so.37", "libsoup-2.4.so.1",
		"libjavascriptcoregtk-4.0.so.18", "libglib-2.0.so.0", "libgobject-2.0.so.0", "libc.so.6"}
	libsWebKit41 = []string{"libgtk-3.so.0", "libgdk-3.so.0", "libwebkit2gtk-4.1.so.0", "libsoup-3.0.so.0",
		"libjavascriptcoregtk-4.1.so.0", "libglib-2.0.so.0", "libgobject-2.0.so.0", "libc.so.6"}
)

func TestDependenciesFollowTheLinkedABI(t *testing.T) {
	cases := []struct {
		name, format string
		libs         []string
		want         []string
		wantErr      string
	}{
		{name: "deb 4.0", format: "deb", libs: libsWebKit40, want: []string{"libc6", "libglib2.0-0", "libgtk-3-0",
			"libjavascriptcoregtk-4.0-18", "libsoup2.4-1", "libwebkit2gtk-4.0-37"}},
		{name: "deb 4.1", format: "deb", libs: libsWebKit41, want: []string{"libc6", "libglib2.0-0", "libgtk-3-0",
			"libjavascriptcoregtk-4.1-0", "libsoup-3.0-0", "libwebkit2gtk-4.1-0"}},
		{name: "rpm 4.1", format: "rpm", libs: []string{"libwebkit2gtk-4.1.so.0", "libc.so.6"},
			want: []string{"libc.so.6()(64bit)", "libwebkit2gtk-4.1.so.0()(64bit)"}},
		{name: "unmapped library", format: "deb", libs: []string{"libc.so.6", "libfoo.so.3"}, wantErr: "libfoo.so.3"},
		{name: "unknown format", format: "apk", libs: []string{"libc.so.6"}, wantErr: "unsupported package format"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := dependencies(c.format, binary{libs: c.libs})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestWebKitABI(t *testing.T) {
	cases := []struct {
		name    string
		libs    []string
		want    string
		wantErr bool
	}{
		{"4.0", libsWebKit40, "4.0", false},
		{"4.1", libsWebKit41, "4.1", false},
		{"headless build", []string{"libc.so.6"}, "", true},
		{"both", append(append([]string{}, libsWebKit40...), "libwebkit2gtk-4.1.so.0"), "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := webkitABI(c.libs)
			if (err != nil) != c.wantErr || got != c.want {
				t.Fatalf("webkitABI = %q, %v; want %q (error %v)", got, err, c.want, c.wantErr)
			}
		})
	}
}

// TestRefusesANonDesktopBinary: a binary that links no WebKitGTK (the headless build, or this test binary) is
// refused with a message saying which build to package, and nothing is written.
func TestRefusesANonDesktopBinary(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	_, err = build(options{bin: self, config: "../../../build/linux/nfpm.yaml", icons: "../../../build/linux/icons",
		wailsJSON: "../../../wails.json", out: out, formats: []string{"deb"}})
	if err == nil || !strings.Contains(err.Error(), "make build") {
		t.Fatalf("err = %v", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Fatalf("wrote %d files", len(entries))
	}
}

// TestBuildsBothPackages packages a stand-in payload described as a WebKitGTK 4.1 desktop binary (what inspect
// reads from a real one is covered above; scripts/ci/packages.sh packages, installs and removes the real one)
// and checks the files with the distributions' own tools where present.
func TestBuildsBothPackages(t *testing.T) {
	out := t.TempDir()
	payload := filepath.Join(t.TempDir(), "ninerouter")
	if err := os.WriteFile(payload, []byte("#!/bin/sh\necho ninerouter\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// nfpm reads the contents' sources relative to the working directory: run from the repository root.
	t.Chdir("../../..")
	pkgs, err := buildFor(options{bin: payload, config: "build/linux/nfpm.yaml", icons: "build/linux/icons",
		wailsJSON: "wails.json", out: out, formats: []string{"deb", "rpm"}},
		binary{arch: "amd64", libs: libsWebKit41, webkit: "4.1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 2 {
		t.Fatalf("built %v", pkgs)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 2 {
		t.Fatalf("%d files in the output dir, want the two packages and no temporary file", len(entries))
	}
	wantFiles := []string{"/usr/bin/ninerouter", "/usr/share/applications/ninerouter.desktop",
		"/usr/share/metainfo/io.github.ninerouter.NineRouter.metainfo.xml",
		"/usr/share/icons/hicolor/16x16/apps/ninerouter.png", "/usr/share/icons/hicolor/512x512/apps/ninerouter.png"}
	for _, p := range pkgs {
		if !strings.HasSuffix(p.path, ".webkit2gtk-4.1."+p.format) {
			t.Errorf("%s: the file name does not say the WebKitGTK ABI", p.path)
		}
		var list, deps []byte
		switch p.format {
		case "deb":
			if _, err := exec.LookPath("dpkg-deb"); err != nil {
				continue
			}
			list, err = exec.Command("dpkg-deb", "--contents", p.path).Output()
			if err != nil {
				t.Fatal(err)
			}
			deps, err = exec.Command("dpkg-deb", "--field", p.path, "Depends").Output()
		case "rpm":
			if _, err := exec.LookPath("rpm"); err != nil {
				continue
			}
			list, err = exec.Command("rpm", "-qpl", p.path).Output()
			if err != nil {
				t.Fatal(err)
			}
			deps, err = exec.Command("rpm", "-qpR", p.path).Output()
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range wantFiles {
			if !strings.Contains(string(list), f) {
				t.Errorf("%s lacks %s:\n%s", p.path, f, list)
			}
		}
		if !strings.Contains(string(deps), "webkit2gtk-4.1") || strings.Contains(string(deps), "webkit2gtk-4.0") {
			t.Errorf("%s does not depend on exactly WebKitGTK 4.1: %s", p.path, deps)
		}
	}
}
