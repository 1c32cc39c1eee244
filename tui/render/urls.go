package render

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/status"
)

// URLsTitle opens the line of an env's URLs, in the CLI and the TUI alike.
const URLsTitle = "URLs:"

// URLsLine is an env's URLs on one line, "URLs: api http://… · web
// http://…" (by service, as recorded), or "" when it has none.
func URLsLine(urls []status.URL) string {
	if len(urls) == 0 {
		return ""
	}
	parts := make([]string, len(urls))
	for i, u := range urls {
		parts[i] = u.Service + " " + u.URL
	}
	return URLsTitle + " " + strings.Join(parts, " · ")
}

// URLColumn is the column `berth ls -o wide` adds after EnvColumns.
func URLColumn() Column { return Column{Title: "URL", Drop: 9, Flex: true, Min: 20} }

// URLCell is an env's first URL, with "+n" for its n others; "-" for none.
func URLCell(st status.Env) string {
	switch len(st.URLs) {
	case 0:
		return "-"
	case 1:
		return st.URLs[0].URL
	}
	return fmt.Sprintf("%s +%d", st.URLs[0].URL, len(st.URLs)-1)
}

// PickURL is the URL of service among urls, else the first; "" for none.
func PickURL(urls []status.URL, service string) string {
	for _, u := range urls {
		if u.Service == service {
			return u.URL
		}
	}
	if len(urls) == 0 {
		return ""
	}
	return urls[0].URL
}
