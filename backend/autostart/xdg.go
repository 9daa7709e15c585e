package autostart

import (
	"bufio"
	"bytes"
	"strings"
)

// xdgEntry is the XDG autostart file (Desktop Application Autostart Specification; Desktop Entry
// Specification 1.5 for the keys and Exec quoting).
func xdgEntry(exe string) []byte {
	var b strings.Builder
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Version=1.5\n")
	b.WriteString("Name=" + Name + "\n")
	b.WriteString("Comment=One endpoint for every coding CLI (starts in the tray)\n")
	b.WriteString("Exec=" + xdgExec(exe, Flag) + "\n")
	b.WriteString("Icon=" + ID + "\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	b.WriteString("X-NineRouter-Managed=true\n")
	return []byte(b.String())
}

// xdgExec quotes each argument the way the Exec key requires: arguments with reserved characters in double
// quotes, with `"`, backtick, `$` and `\` escaped inside; `%` doubled (field codes); then the string-value
// escapes of `\`, newline and carriage return apply to the whole value (a raw newline in a path ended the Exec
// line there, and the rest became a line of its own).
func xdgExec(args ...string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(a, "%", "%%")
		if strings.ContainsAny(a, " \t\n\"'\\><~|&;$*?#()`") || a == "" {
			var q strings.Builder
			q.WriteByte('"')
			for _, r := range a {
				if r == '"' || r == '`' || r == '$' || r == '\\' {
					q.WriteByte('\\')
				}
				q.WriteRune(r)
			}
			q.WriteByte('"')
			a = q.String()
		}
		parts[i] = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`).Replace(a)
	}
	return strings.Join(parts, " ")
}

// xdgCommand returns the Exec value of the [Desktop Entry] group, as written (ok=false when there is none).
func xdgCommand(b []byte) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	inMain := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			inMain = line == "[Desktop Entry]"
			continue
		}
		if v, ok := strings.CutPrefix(line, "Exec="); ok && inMain {
			return v, true
		}
	}
	return "", false
}
