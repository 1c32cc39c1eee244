package status

import (
	"encoding/json"
	"sort"

	"github.com/berth-dev/berth/meta"
)

// URL is the address of one compose service of an environment.
type URL struct {
	Service string `json:"service"`
	URL     string `json:"url"`
}

// EncodeURLs is the value of meta.AnnotationURLs for urls: JSON, sorted by
// service.
func EncodeURLs(urls []URL) string {
	sorted := append([]URL(nil), urls...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Service < sorted[j].Service })
	b, _ := json.Marshal(sorted) // a slice of strings always marshals
	return string(b)
}

// URLsOf reads meta.AnnotationURLs from a namespace's annotations; nil when
// absent or unreadable (a hand-edited value is shown as no URLs).
func URLsOf(annotations map[string]string) []URL {
	v := annotations[meta.AnnotationURLs]
	if v == "" {
		return nil
	}
	var urls []URL
	if err := json.Unmarshal([]byte(v), &urls); err != nil {
		return nil
	}
	out := urls[:0]
	for _, u := range urls {
		if u.URL != "" {
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
