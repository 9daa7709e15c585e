// Command package builds NineRouter's Linux packages, a .deb and an .rpm, with nfpm used as a library
// (`make package`). The static part of the package (metadata, the binary, the XDG desktop entry, the AppStream
// metainfo, the maintainer scripts) is build/linux/nfpm.yaml; this tool adds what must be computed:
//
//   - the version (wails.json's info.productVersion, the one the Windows installer and the macOS bundle use);
//   - one contents entry per hicolor icon under build/linux/icons (written by internal/cmd/icongen);
//   - the dependencies, derived from the shared libraries the binary really links (its ELF DT_NEEDED list).
//
// The desktop binary links exactly one WebKitGTK ABI: libwebkit2gtk-4.0.so.37 (+ libsoup 2.4) by default, or
// libwebkit2gtk-4.1.so.0 (+ libsoup 3) when built with -tags webkit2_41. An "either ABI" dependency would be
// wrong (the other one cannot satisfy the loader), so each package depends on the ABI its binary was linked
// against, and the file name says which (build/pkg/ninerouter_0.1.0-1_amd64.webkit2gtk-4.0.deb): build one
// package per ABI, 4.0 for Debian 12, 4.1 for Ubuntu 24.04 and later and Fedora.
//
// nfpm (rather than dpkg-deb and rpmbuild) because it writes both formats from one description, needs no
// distribution tools, and is what GoReleaser ships with.
package main

import (
	"debug/elf"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the rpm packager
)

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "build/bin/ninerouter", "the desktop binary to package")
	flag.StringVar(&o.config, "config", "build/linux/nfpm.yaml", "the nfpm description")
	flag.StringVar(&o.icons, "icons", "build/linux/icons", "the icon theme directory (hicolor/NxN/apps/*.png)")
	flag.StringVar(&o.wailsJSON, "wails-json", "wails.json", "where the version comes from")
	flag.StringVar(&o.version, "version", "", "package version (default: wails.json's info.productVersion)")
	flag.StringVar(&o.out, "out", "build/pkg", "output directory")
	formats := flag.String("formats", "deb,rpm", "comma-separated package formats")
	flag.Parse()
	o.formats = strings.Split(*formats, ",")
	built, err := build(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "package:", err)
		os.Exit(1)
	}
	for _, b := range built {
		fmt.Printf("package: %s (%s, WebKitGTK %s)\n", b.path, b.format, b.webkit)
	}
}

type options struct {
	bin, config, icons, wailsJSON, version, out string
	formats                                     []string
}

// built is one written package.
type built struct {
	path, format, webkit string
}

func build(o options) ([]built, error) {
	bin, err := inspect(o.bin)
	if err != nil {
		return nil, err
	}
	return buildFor(o, bin)
}

// buildFor writes the packages for a binary already inspected.
func buildFor(o options, bin binary) ([]built, error) {
	var err error
	version := o.version
	if version == "" {
		if version, err = productVersion(o.wailsJSON); err != nil {
			return nil, err
		}
	}
	icons, err := iconContents(o.icons)
	if err != nil {
		return nil, err
	}
	vars := map[string]string{"VERSION": version, "BIN": o.bin, "ARCH": bin.arch}
	cfg, err := nfpm.ParseFileWithEnvMapping(o.config, func(k string) string { return vars[k] })
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", o.config, err)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return nil, err
	}
	var out []built
	for _, format := range o.formats {
		deps, err := dependencies(format, bin)
		if err != nil {
			return nil, err
		}
		info, err := cfg.Get(format)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", format, err)
		}
		info.Depends = append(info.Depends, deps...)
		info.Contents = append(info.Contents, icons...)
		info = nfpm.WithDefaults(info)
		if err := nfpm.Validate(info); err != nil {
			return nil, fmt.Errorf("%s: %w", format, err)
		}
		pkger, err := nfpm.Get(format)
		if err != nil {
			return nil, err
		}
		name := pkger.ConventionalFileName(info)
		ext := filepath.Ext(name)
		path := filepath.Join(o.out, strings.TrimSuffix(name, ext)+".webkit2gtk-"+bin.webkit+ext)
		if err := write(path, func(f *os.File) error { info.Target = path; return pkger.Package(info, f) }); err != nil {
			return nil, fmt.Errorf("%s: %w", format, err)
		}
		out = append(out, built{path: path, format: format, webkit: bin.webkit})
	}
	return out, nil
}

// write creates path through a temporary file renamed into place, so a failed build never leaves a
// half-written package where an installer would pick it up.
func write(path string, fill func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".package-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// binary is what packaging needs to know about the executable.
type binary struct {
	arch   string   // nfpm's (GOARCH) name
	libs   []string // DT_NEEDED sonames
	webkit string   // "4.0" or "4.1"
}

func inspect(path string) (binary, error) {
	f, err := elf.Open(path)
	if err != nil {
		return binary{}, fmt.Errorf("reading the binary %s: %w (build it first: make build)", path, err)
	}
	defer f.Close()
	var b binary
	switch f.Machine {
	case elf.EM_X86_64:
		b.arch = "amd64"
	case elf.EM_AARCH64:
		b.arch = "arm64"
	default:
		return binary{}, fmt.Errorf("%s: unsupported machine %v", path, f.Machine)
	}
	if b.libs, err = f.ImportedLibraries(); err != nil {
		return binary{}, fmt.Errorf("%s: reading its shared libraries: %w", path, err)
	}
	b.webkit, err = webkitABI(b.libs)
	if err != nil {
		return binary{}, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// webkitABI names the WebKitGTK API version the binary links; exactly one must be linked (the headless build
// links none and is not a desktop package).
func webkitABI(libs []string) (string, error) {
	var found []string
	for _, l := range libs {
		switch l {
		case "libwebkit2gtk-4.0.so.37":
			found = append(found, "4.0")
		case "libwebkit2gtk-4.1.so.0":
			found = append(found, "4.1")
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("links %d WebKitGTK libraries %v, want exactly one: package the desktop build (make build), not the headless one", len(found), found)
	}
	return found[0], nil
}

// debPackages maps each shared library the desktop binary may link to the Debian/Ubuntu package that ships it.
// Unversioned names on purpose: Ubuntu 24.04's 64-bit-time_t renames (libgtk-3-0t64, libglib2.0-0t64, ...)
// Provide the old names, so one package installs on Debian 12 and on Ubuntu 24.04 for the same WebKitGTK ABI.
var debPackages = map[string]string{
	"libc.so.6":                      "libc6",
	"libm.so.6":                      "libc6",
	"libpthread.so.0":                "libc6",
	"libdl.so.2":                     "libc6",
	"libresolv.so.2":                 "libc6",
	"libgtk-3.so.0":                  "libgtk-3-0",
	"libgdk-3.so.0":                  "libgtk-3-0",
	"libglib-2.0.so.0":               "libglib2.0-0",
	"libgobject-2.0.so.0":            "libglib2.0-0",
	"libgio-2.0.so.0":                "libglib2.0-0",
	"libgmodule-2.0.so.0":            "libglib2.0-0",
	"libatk-1.0.so.0":                "libatk1.0-0",
	"libcairo.so.2":                  "libcairo2",
	"libcairo-gobject.so.2":          "libcairo-gobject2",
	"libpango-1.0.so.0":              "libpango-1.0-0",
	"libpangocairo-1.0.so.0":         "libpangocairo-1.0-0",
	"libharfbuzz.so.0":               "libharfbuzz0b",
	"libgdk_pixbuf-2.0.so.0":         "libgdk-pixbuf-2.0-0",
	"libwebkit2gtk-4.0.so.37":        "libwebkit2gtk-4.0-37",
	"libjavascriptcoregtk-4.0.so.18": "libjavascriptcoregtk-4.0-18",
	"libsoup-2.4.so.1":               "libsoup2.4-1",
	"libwebkit2gtk-4.1.so.0":         "libwebkit2gtk-4.1-0",
	"libjavascriptcoregtk-4.1.so.0":  "libjavascriptcoregtk-4.1-0",
	"libsoup-3.0.so.0":               "libsoup-3.0-0",
}

// dependencies lists the package's runtime dependencies for one format. For .rpm they are the sonames
// themselves, in the form rpmbuild's automatic dependency generator writes (`libfoo.so.1()(64bit)`), which every
// RPM distribution's packages provide; for .deb each soname maps to its Debian package. A library with no known
// package is an error rather than a silently missing dependency.
func dependencies(format string, b binary) ([]string, error) {
	set := map[string]bool{}
	var unknown []string
	for _, lib := range b.libs {
		switch format {
		case "rpm":
			set[lib+"()(64bit)"] = true
		case "deb":
			pkg, ok := debPackages[lib]
			if !ok {
				unknown = append(unknown, lib)
				continue
			}
			set[pkg] = true
		default:
			return nil, fmt.Errorf("unsupported package format %q (deb, rpm)", format)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("the binary links %s, which internal/cmd/package does not map to a Debian package yet: add it to debPackages", strings.Join(unknown, ", "))
	}
	deps := make([]string, 0, len(set))
	for d := range set {
		deps = append(deps, d)
	}
	sort.Strings(deps)
	return deps, nil
}

// iconContents installs every PNG under dir (a freedesktop icon theme tree: hicolor/NxN/apps/NAME.png) below
// /usr/share/icons.
func iconContents(dir string) (files.Contents, error) {
	var out files.Contents
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".png" {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		out = append(out, &files.Content{
			Source:      path,
			Destination: "/usr/share/icons/" + filepath.ToSlash(rel),
			FileInfo:    &files.ContentFileInfo{Mode: 0o644},
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the icons in %s: %w", dir, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no icons under %s (go run ./internal/cmd/icongen writes them)", dir)
	}
	return out, nil
}

// productVersion reads info.productVersion from wails.json.
func productVersion(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var w struct {
		Info struct {
			ProductVersion string `json:"productVersion"`
		} `json:"info"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if w.Info.ProductVersion == "" {
		return "", errors.New(path + ": no info.productVersion")
	}
	return w.Info.ProductVersion, nil
}
