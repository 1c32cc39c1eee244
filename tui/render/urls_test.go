package render

import (
	"testing"

	"github.com/berth-dev/berth/status"
)

func TestURLs(t *testing.T) {
	urls := []status.URL{{Service: "api", URL: "https://api.dev.example.com/v1"}, {Service: "web", URL: "https://web.dev.example.com"}}
	if got, want := URLsLine(urls), "URLs: api https://api.dev.example.com/v1 · web https://web.dev.example.com"; got != want {
		t.Errorf("URLsLine = %q, want %q", got, want)
	}
	if got := URLsLine(nil); got != "" {
		t.Errorf("URLsLine(nil) = %q, want none", got)
	}
	for _, tt := range []struct {
		urls []status.URL
		want string
	}{
		{nil, "-"},
		{urls[:1], "https://api.dev.example.com/v1"},
		{urls, "https://api.dev.example.com/v1 +1"},
	} {
		if got := URLCell(status.Env{URLs: tt.urls}); got != tt.want {
			t.Errorf("URLCell(%v) = %q, want %q", tt.urls, got, tt.want)
		}
	}
	for service, want := range map[string]string{"web": urls[1].URL, "api": urls[0].URL, "db": urls[0].URL, "": urls[0].URL} {
		if got := PickURL(urls, service); got != want {
			t.Errorf("PickURL(%q) = %q, want %q", service, got, want)
		}
	}
	if got := PickURL(nil, "web"); got != "" {
		t.Errorf("PickURL without URLs = %q", got)
	}
}
