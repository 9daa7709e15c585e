// Command icongen draws NineRouter's icon (a routing glyph: one node fanning out to three) and writes it in each
// OS's format: the tray icons embedded by app/ (small PNG for Linux' StatusNotifierItem, .ico for the Windows
// notification area, a black template PNG for the macOS menu bar), build/appicon.png for Wails,
// build/windows/icon.ico for the exe and the hicolor PNGs in build/linux/icons for the Linux packages. The files
// are committed; rerun with `go run ./internal/cmd/icongen` after changing the drawing. Drawn in code so the icon
// needs no design tool and stays reproducible.
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

// palette is one colour scheme of the icon.
type palette struct {
	top, bottom color.NRGBA // background gradient
	glyph       color.NRGBA
	background  bool // false: glyph only (macOS template icon)
}

var (
	running  = palette{top: rgb(0x14, 0xb8, 0xa6), bottom: rgb(0x43, 0x38, 0xca), glyph: rgb(0xff, 0xff, 0xff), background: true}
	stopped  = palette{top: rgb(0x9c, 0xa3, 0xaf), bottom: rgb(0x4b, 0x55, 0x63), glyph: rgb(0xf3, 0xf4, 0xf6), background: true}
	template = palette{glyph: rgb(0, 0, 0)}
	// attention: running, but a subscription account is low on quota or needs signing in again (amber).
	attention = palette{top: rgb(0xf5, 0x9e, 0x0b), bottom: rgb(0xc2, 0x41, 0x0c), glyph: rgb(0xff, 0xff, 0xff), background: true}
)

func rgb(r, g, b uint8) color.NRGBA { return color.NRGBA{r, g, b, 0xff} }

func main() {
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "icongen:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	icons := filepath.Join(root, "app", "icons")
	files := map[string][]byte{}
	var err error
	if files[filepath.Join(icons, "tray.png")], err = pngBytes(draw(64, running)); err != nil {
		return err
	}
	if files[filepath.Join(icons, "tray-stopped.png")], err = pngBytes(draw(64, stopped)); err != nil {
		return err
	}
	if files[filepath.Join(icons, "tray-attention.png")], err = pngBytes(draw(64, attention)); err != nil {
		return err
	}
	if files[filepath.Join(icons, "tray-attention.ico")], err = ico(attention, 16, 24, 32, 48); err != nil {
		return err
	}
	if files[filepath.Join(icons, "tray-template.png")], err = pngBytes(draw(44, template)); err != nil {
		return err
	}
	if files[filepath.Join(icons, "tray.ico")], err = ico(running, 16, 24, 32, 48); err != nil {
		return err
	}
	if files[filepath.Join(icons, "tray-stopped.ico")], err = ico(stopped, 16, 24, 32, 48); err != nil {
		return err
	}
	if files[filepath.Join(icons, "window.png")], err = pngBytes(draw(256, running)); err != nil {
		return err
	}
	if files[filepath.Join(root, "build", "appicon.png")], err = pngBytes(draw(1024, running)); err != nil {
		return err
	}
	if files[filepath.Join(root, "build", "windows", "icon.ico")], err = ico(running, 16, 24, 32, 48, 64, 128, 256); err != nil {
		return err
	}
	// The freedesktop hicolor theme sizes, installed by the Linux packages (internal/cmd/package).
	for _, size := range []int{16, 24, 32, 48, 64, 128, 256, 512} {
		dir := fmt.Sprintf("%dx%d", size, size)
		if files[filepath.Join(root, "build", "linux", "icons", "hicolor", dir, "apps", "ninerouter.png")], err = pngBytes(draw(size, running)); err != nil {
			return err
		}
	}
	for path, b := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", path, len(b), "bytes")
	}
	return nil
}

// draw renders the icon at size×size with 4×4 supersampling for smooth edges.
func draw(size int, p palette) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const ss = 4
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var bgCov, glyphCov float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					u := (float64(x) + (float64(sx)+0.5)/ss) / float64(size)
					v := (float64(y) + (float64(sy)+0.5)/ss) / float64(size)
					if p.background && inRoundedSquare(u, v) {
						bgCov++
					}
					if inGlyph(u, v, p.background) {
						glyphCov++
					}
				}
			}
			bgCov /= ss * ss
			glyphCov /= ss * ss
			t := (float64(x) + float64(y)) / float64(2*size) // diagonal gradient
			bg := mix(p.top, p.bottom, t)
			var c color.NRGBA
			if p.background {
				// Glyph over background, both with coverage as alpha.
				r := lerp(float64(bg.R), float64(p.glyph.R), glyphCov)
				g := lerp(float64(bg.G), float64(p.glyph.G), glyphCov)
				b := lerp(float64(bg.B), float64(p.glyph.B), glyphCov)
				c = color.NRGBA{uint8(r), uint8(g), uint8(b), uint8(math.Round(255 * bgCov))}
			} else {
				c = p.glyph
				c.A = uint8(math.Round(255 * glyphCov))
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func inRoundedSquare(u, v float64) bool {
	const margin, radius = 0.04, 0.22
	lo, hi := margin+radius, 1-margin-radius
	dx := math.Max(math.Max(lo-u, u-hi), 0)
	dy := math.Max(math.Max(lo-v, v-hi), 0)
	if u < margin || u > 1-margin || v < margin || v > 1-margin {
		return false
	}
	return dx*dx+dy*dy <= radius*radius
}

// inGlyph: a source node on the left joined to three target nodes on the right. The template variant (no
// background) uses the whole square, so it is drawn larger and bolder.
func inGlyph(u, v float64, framed bool) bool {
	scale, weight := 1.0, 1.0
	if !framed {
		scale, weight = 1.25, 1.3
	}
	u = 0.5 + (u-0.5)*scale
	v = 0.5 + (v-0.5)*scale
	src := [2]float64{0.29, 0.5}
	targets := [][2]float64{{0.72, 0.27}, {0.72, 0.5}, {0.72, 0.73}}
	if dist(u, v, src) <= 0.095*weight {
		return true
	}
	for _, t := range targets {
		if dist(u, v, t) <= 0.072*weight || segDist(u, v, src, t) <= 0.03*weight {
			return true
		}
	}
	return false
}

func dist(u, v float64, p [2]float64) float64 { return math.Hypot(u-p[0], v-p[1]) }

func segDist(u, v float64, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := ((u-a[0])*dx + (v-a[1])*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(u-(a[0]+t*dx), v-(a[1]+t*dy))
}

func lerp(a, b, t float64) float64 { return a + (b-a)*t }

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	return color.NRGBA{
		uint8(lerp(float64(a.R), float64(b.R), t)), uint8(lerp(float64(a.G), float64(b.G), t)),
		uint8(lerp(float64(a.B), float64(b.B), t)), 0xff,
	}
}

func pngBytes(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ico packs PNG-compressed images into an ICO container (supported since Windows Vista).
func ico(p palette, sizes ...int) ([]byte, error) {
	var images [][]byte
	for _, s := range sizes {
		b, err := pngBytes(draw(s, p))
		if err != nil {
			return nil, err
		}
		images = append(images, b)
	}
	var buf bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&buf, le, [3]uint16{0, 1, uint16(len(sizes))}) // reserved, type icon, count
	offset := 6 + 16*len(sizes)
	for i, s := range sizes {
		dim := uint8(s)
		if s >= 256 {
			dim = 0 // 0 means 256 in the directory
		}
		buf.Write([]byte{dim, dim, 0, 0})                  // width, height, palette size, reserved
		_ = binary.Write(&buf, le, [2]uint16{1, 32})       // planes, bits per pixel
		_ = binary.Write(&buf, le, uint32(len(images[i]))) // bytes in resource
		_ = binary.Write(&buf, le, uint32(offset))         // offset of the image
		offset += len(images[i])
	}
	for _, b := range images {
		buf.Write(b)
	}
	return buf.Bytes(), nil
}
