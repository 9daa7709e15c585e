package autostart

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// launchAgentLabel is the LaunchAgent's label and file name (reverse-DNS, as launchd expects).
const launchAgentLabel = "app.ninerouter"

// launchAgent is the per-user LaunchAgent: run the binary once at login (RunAtLoad), never restart it when the
// user quits (no KeepAlive), and leave it as an ordinary GUI process (ProcessType Interactive).
func launchAgent(exe string) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString("<plist version=\"1.0\">\n<dict>\n")
	b.WriteString("\t<key>Label</key>\n\t<string>" + launchAgentLabel + "</string>\n")
	b.WriteString("\t<key>ProgramArguments</key>\n\t<array>\n")
	for _, a := range []string{exe, Flag} {
		b.WriteString("\t\t<string>")
		_ = xml.EscapeText(&b, []byte(a))
		b.WriteString("</string>\n")
	}
	b.WriteString("\t</array>\n")
	b.WriteString("\t<key>RunAtLoad</key>\n\t<true/>\n")
	b.WriteString("\t<key>ProcessType</key>\n\t<string>Interactive</string>\n")
	b.WriteString("</dict>\n</plist>\n")
	return b.Bytes()
}

// launchAgentCommand reads ProgramArguments back, joined with spaces (ok=false when absent or not a plist).
func launchAgentCommand(b []byte) (string, bool) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	var args []string
	inArgs, wantArgs, inString := false, false, false
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Local == "key":
				text.Reset()
				inString = true
			case t.Name.Local == "array" && wantArgs:
				inArgs = true
			case t.Name.Local == "string" && inArgs:
				text.Reset()
				inString = true
			}
		case xml.CharData:
			if inString {
				text.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "key":
				wantArgs = text.String() == "ProgramArguments"
				inString = false
			case "string":
				if inArgs {
					args = append(args, text.String())
				}
				inString = false
			case "array":
				if inArgs {
					return strings.Join(args, " "), len(args) > 0
				}
			}
		}
	}
	return "", false
}
