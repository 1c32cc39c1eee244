// Package apimetrics reads the kube-apiserver's Prometheus metrics
// (/metrics) so benchmarks can show what the server did in a window:
// requests by verb (apiserver_request_total) and server time per request.
package apimetrics

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"k8s.io/client-go/rest"
)

// Sample is one line of the text exposition format.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Samples is one scrape.
type Samples []Sample

// Scrape reads /metrics through rc (e.g. a clientset's Discovery().RESTClient()),
// keeping the families whose names start with one of prefixes.
func Scrape(ctx context.Context, rc rest.Interface, prefixes ...string) (Samples, error) {
	raw, err := rc.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("scrape /metrics: %w", err)
	}
	return Parse(string(raw), prefixes...), nil
}

// Parse reads the text format, keeping names with one of prefixes (all when none).
func Parse(text string, prefixes ...string) Samples {
	var out Samples
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if len(prefixes) > 0 && !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(line, p) }) {
			continue
		}
		if s, ok := parseLine(line); ok {
			out = append(out, s)
		}
	}
	return out
}

// parseLine parses `name{k="v",...} value [timestamp]`.
func parseLine(line string) (Sample, bool) {
	s := Sample{Labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return s, false
	}
	s.Name, line = line[:i], line[i:]
	if line[0] == '{' {
		line = line[1:]
		for len(line) > 0 && line[0] != '}' {
			eq := strings.IndexByte(line, '=')
			if eq < 0 || eq+1 >= len(line) || line[eq+1] != '"' {
				return s, false
			}
			key := line[:eq]
			line = line[eq+2:]
			var val strings.Builder
			for len(line) > 0 && line[0] != '"' {
				if line[0] == '\\' && len(line) > 1 {
					line = line[1:]
				}
				val.WriteByte(line[0])
				line = line[1:]
			}
			if len(line) == 0 {
				return s, false
			}
			s.Labels[key] = val.String()
			line = strings.TrimPrefix(line[1:], ",")
		}
		if len(line) == 0 {
			return s, false
		}
		line = line[1:]
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		return s, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return s, false
	}
	s.Value = v
	return s, true
}

// SumBy sums the samples of name whose labels pass keep (nil: all), grouped
// by the value of label.
func (ss Samples) SumBy(name, label string, keep func(map[string]string) bool) map[string]float64 {
	out := map[string]float64{}
	for _, s := range ss {
		if s.Name == name && (keep == nil || keep(s.Labels)) {
			out[s.Labels[label]] += s.Value
		}
	}
	return out
}

// Delta is after − before for every key of either (counters only grow,
// unless the server restarted).
func Delta(before, after map[string]float64) map[string]float64 {
	out := maps.Clone(after)
	for k, v := range before {
		out[k] -= v
	}
	for k, v := range out {
		if v == 0 {
			delete(out, k)
		}
	}
	return out
}

// Format prints counts as "GET 3, WATCH 12" sorted by key ("none" if empty).
func Format(m map[string]float64) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %.0f", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
