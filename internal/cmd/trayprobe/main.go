// Command trayprobe stands in for the desktop's tray host in headless tests (docs/desktop.md § Testing without a desktop):
//
//	trayprobe watcher          own org.kde.StatusNotifierWatcher and log each RegisterStatusNotifierItem
//	trayprobe wait [-timeout]  wait until a StatusNotifierItem is registered; print its bus name
//	trayprobe props            print the item's Id, Title, Status, ToolTip and Menu path
//	trayprobe layout [-json]   print the dbusmenu (com.canonical.dbusmenu.GetLayout), one item a line
//	trayprobe click LABEL      send dbusmenu Event "clicked" to the item titled LABEL (as a host does)
//	trayprobe activate         call org.kde.StatusNotifierItem.Activate (a left click on the icon)
//	trayprobe icon FILE.png    save the item's IconPixmap (what a tray host would draw) as a PNG
//	trayprobe unlock-keyring   unlock gnome-keyring's login collection with the password on stdin (keyring.go)
//	trayprobe notifications    own org.freedesktop.Notifications and print each notification (notifications.go)
//
// It speaks D-Bus with godbus (the library fyne.io/systray and go-keyring already use), on the session bus of
// its environment: run it inside the same dbus-run-session as the app.
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"
)

const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = "/StatusNotifierWatcher"
	itemPrefix   = "org.kde.StatusNotifierItem-"
	itemPath     = "/StatusNotifierItem"
	itemIface    = "org.kde.StatusNotifierItem"
	dbusmenuFace = "com.canonical.dbusmenu"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: trayprobe watcher|wait|props|layout|click LABEL|activate")
		os.Exit(2)
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		fail(fmt.Errorf("session bus: %w", err))
	}
	defer conn.Close()
	args := os.Args[2:]
	switch os.Args[1] {
	case "watcher":
		err = runWatcher(conn)
	case "notifications":
		err = runNotifications(conn)
	case "wait":
		fs := flag.NewFlagSet("wait", flag.ExitOnError)
		timeout := fs.Duration("timeout", 20*time.Second, "how long to wait")
		_ = fs.Parse(args)
		var name string
		name, err = waitItem(conn, *timeout)
		if err == nil {
			fmt.Println(name)
		}
	case "props":
		err = printProps(conn)
	case "layout":
		fs := flag.NewFlagSet("layout", flag.ExitOnError)
		asJSON := fs.Bool("json", false, "print JSON")
		_ = fs.Parse(args)
		err = printLayout(conn, *asJSON)
	case "click":
		if len(args) != 1 {
			fail(errors.New("usage: trayprobe click LABEL"))
		}
		err = click(conn, args[0])
	case "icon":
		if len(args) != 1 {
			fail(errors.New("usage: trayprobe icon FILE.png"))
		}
		err = saveIcon(conn, args[0])
	case "unlock-keyring":
		err = unlockKeyring(conn, os.Stdin)
	case "activate":
		var name string
		if name, err = findItem(conn); err == nil {
			err = conn.Object(name, itemPath).Call(itemIface+".Activate", 0, int32(0), int32(0)).Err
		}
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "trayprobe:", err)
	os.Exit(1)
}

// watcher is a minimal StatusNotifierWatcher: enough for fyne.io/systray to register, and for the test to see
// that it did.
type watcher struct {
	conn  *dbus.Conn
	mu    sync.Mutex
	items []string
	props *prop.Properties
}

func (w *watcher) RegisterStatusNotifierItem(service string, sender dbus.Sender) *dbus.Error {
	if strings.HasPrefix(service, "/") {
		// Some items pass their bus name, others an object path on their own connection.
		service = string(sender) + service
	}
	w.mu.Lock()
	w.items = append(w.items, service)
	items := append([]string(nil), w.items...)
	w.mu.Unlock()
	w.props.SetMust(watcherName, "RegisteredStatusNotifierItems", items)
	_ = w.conn.Emit(watcherPath, watcherName+".StatusNotifierItemRegistered", service)
	fmt.Printf("registered %s (sender %s)\n", service, sender)
	return nil
}

func (w *watcher) RegisterStatusNotifierHost(service string) *dbus.Error { return nil }

func runWatcher(conn *dbus.Conn) error {
	w := &watcher{conn: conn}
	if err := conn.Export(w, watcherPath, watcherName); err != nil {
		return err
	}
	props, err := prop.Export(conn, watcherPath, prop.Map{watcherName: {
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
		"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
	}})
	if err != nil {
		return err
	}
	w.props = props
	node := &introspect.Node{Name: watcherPath, Interfaces: []introspect.Interface{
		introspect.IntrospectData, prop.IntrospectData,
		{Name: watcherName, Methods: introspect.Methods(w), Properties: props.Introspection(watcherName)},
	}}
	if err := conn.Export(introspect.NewIntrospectable(node), watcherPath, "org.freedesktop.DBus.Introspectable"); err != nil {
		return err
	}
	return serveName(conn, watcherName, "watcher ready")
}

// findItem returns the bus name of the one registered StatusNotifierItem.
func findItem(conn *dbus.Conn) (string, error) {
	var names []string
	if err := conn.BusObject().Call("org.freedesktop.DBus.ListNames", 0).Store(&names); err != nil {
		return "", err
	}
	var items []string
	for _, n := range names {
		if strings.HasPrefix(n, itemPrefix) {
			items = append(items, n)
		}
	}
	switch len(items) {
	case 0:
		return "", errors.New("no StatusNotifierItem on the bus")
	case 1:
		return items[0], nil
	default:
		sort.Strings(items)
		return "", fmt.Errorf("several StatusNotifierItems: %v", items)
	}
}

func waitItem(conn *dbus.Conn, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		name, err := findItem(conn)
		if err == nil {
			return name, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("after %s: %w", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func printProps(conn *dbus.Conn) error {
	name, err := findItem(conn)
	if err != nil {
		return err
	}
	obj := conn.Object(name, itemPath)
	fmt.Printf("BusName=%s\n", name)
	for _, p := range []string{"Id", "Title", "Status", "Menu", "ItemIsMenu"} {
		v, err := obj.GetProperty(itemIface + "." + p)
		if err != nil {
			return fmt.Errorf("property %s: %w", p, err)
		}
		fmt.Printf("%s=%v\n", p, v.Value())
	}
	v, err := obj.GetProperty(itemIface + ".ToolTip")
	if err != nil {
		return fmt.Errorf("property ToolTip: %w", err)
	}
	// ToolTip is (s icon-name, a(iiay) pixmaps, s title, s description).
	if fields, ok := v.Value().([]any); ok && len(fields) == 4 {
		fmt.Printf("ToolTip=%q\n", fmt.Sprint(fields[2], " | ", fields[3]))
	}
	icon, err := obj.GetProperty(itemIface + ".IconPixmap")
	if err == nil {
		if px, ok := icon.Value().([][]any); ok && len(px) > 0 {
			fmt.Printf("IconPixmap=%vx%v\n", px[0][0], px[0][1])
		}
	}
	return nil
}

// menuItem is one dbusmenu entry.
type menuItem struct {
	ID       int32      `json:"id"`
	Label    string     `json:"label"`
	Type     string     `json:"type,omitempty"`
	Enabled  bool       `json:"enabled"`
	Toggle   string     `json:"toggleType,omitempty"`
	State    int32      `json:"toggleState"`
	Children []menuItem `json:"children,omitempty"`
}

func getLayout(conn *dbus.Conn) (menuItem, error) {
	name, err := findItem(conn)
	if err != nil {
		return menuItem{}, err
	}
	call := conn.Object(name, itemPath+"/menu").Call(dbusmenuFace+".GetLayout", 0, int32(0), int32(-1), []string{})
	if call.Err != nil {
		// fyne exports the menu at /StatusNotifierItem/menu; read the item's Menu property to be sure.
		v, perr := conn.Object(name, itemPath).GetProperty(itemIface + ".Menu")
		if perr != nil {
			return menuItem{}, call.Err
		}
		call = conn.Object(name, v.Value().(dbus.ObjectPath)).Call(dbusmenuFace+".GetLayout", 0, int32(0), int32(-1), []string{})
		if call.Err != nil {
			return menuItem{}, call.Err
		}
	}
	if len(call.Body) != 2 {
		return menuItem{}, fmt.Errorf("GetLayout: unexpected reply %v", call.Body)
	}
	return parseLayout(call.Body[1])
}

// parseLayout decodes the (ia{sv}av) layout structure.
func parseLayout(v any) (menuItem, error) {
	fields, ok := v.([]any)
	if !ok || len(fields) != 3 {
		return menuItem{}, fmt.Errorf("layout: unexpected %T", v)
	}
	it := menuItem{Enabled: true}
	it.ID, _ = fields[0].(int32)
	props, _ := fields[1].(map[string]dbus.Variant)
	for k, p := range props {
		switch k {
		case "label":
			it.Label, _ = p.Value().(string)
		case "type":
			it.Type, _ = p.Value().(string)
		case "enabled":
			it.Enabled, _ = p.Value().(bool)
		case "toggle-type":
			it.Toggle, _ = p.Value().(string)
		case "toggle-state":
			it.State, _ = p.Value().(int32)
		}
	}
	children, _ := fields[2].([]dbus.Variant)
	for _, c := range children {
		child, err := parseLayout(c.Value())
		if err != nil {
			return it, err
		}
		it.Children = append(it.Children, child)
	}
	return it, nil
}

func printLayout(conn *dbus.Conn, asJSON bool) error {
	root, err := getLayout(conn)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(root.Children)
	}
	var walk func([]menuItem, int)
	walk = func(items []menuItem, depth int) {
		for _, it := range items {
			line := it.Label
			if it.Type == "separator" {
				line = "----"
			}
			mark := ""
			if it.Toggle != "" {
				mark = "[ ] "
				if it.State == 1 {
					mark = "[x] "
				}
			}
			state := ""
			if !it.Enabled {
				state = " (disabled)"
			}
			fmt.Printf("%s%s%s%s\n", strings.Repeat("  ", depth), mark, line, state)
			walk(it.Children, depth+1)
		}
	}
	walk(root.Children, 0)
	return nil
}

func click(conn *dbus.Conn, label string) error {
	root, err := getLayout(conn)
	if err != nil {
		return err
	}
	var found *menuItem
	var walk func([]menuItem)
	walk = func(items []menuItem) {
		for i := range items {
			if items[i].Label == label && found == nil {
				found = &items[i]
			}
			walk(items[i].Children)
		}
	}
	walk(root.Children)
	if found == nil {
		return fmt.Errorf("no menu item labelled %q", label)
	}
	name, err := findItem(conn)
	if err != nil {
		return err
	}
	return conn.Object(name, itemPath+"/menu").Call(dbusmenuFace+".Event", 0,
		found.ID, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix())).Err
}

// saveIcon writes the largest IconPixmap entry, (width, height, ARGB32 big-endian bytes), as a PNG.
func saveIcon(conn *dbus.Conn, file string) error {
	name, err := findItem(conn)
	if err != nil {
		return err
	}
	v, err := conn.Object(name, itemPath).GetProperty(itemIface + ".IconPixmap")
	if err != nil {
		return err
	}
	var pixmaps []struct {
		W, H int32
		Data []byte
	}
	if err := dbus.Store([]any{v.Value()}, &pixmaps); err != nil {
		return fmt.Errorf("IconPixmap: %w", err)
	}
	if len(pixmaps) == 0 {
		return errors.New("the item has no IconPixmap")
	}
	best := pixmaps[0]
	for _, p := range pixmaps[1:] {
		if p.W > best.W {
			best = p
		}
	}
	if int(best.W)*int(best.H)*4 != len(best.Data) {
		return fmt.Errorf("IconPixmap %dx%d has %d bytes", best.W, best.H, len(best.Data))
	}
	img := image.NewNRGBA(image.Rect(0, 0, int(best.W), int(best.H)))
	for i := 0; i < int(best.W*best.H); i++ {
		argb := binary.BigEndian.Uint32(best.Data[4*i:])
		img.SetNRGBA(i%int(best.W), i/int(best.W), color.NRGBA{
			R: uint8(argb >> 16), G: uint8(argb >> 8), B: uint8(argb), A: uint8(argb >> 24)})
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
