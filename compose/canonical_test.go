package compose

import (
	"reflect"
	"testing"

	"github.com/compose-spec/compose-go/v2/tree"
)

// TestCanonicalStopsReachNoPattern checks, against the compose-go linked,
// what makes a stop safe: the stop is berth's own transformer (compose-go
// had none there), and no other pattern matches the stop's path or any
// path below it — so Canonical's walk below a stop would change nothing.
func TestCanonicalStopsReachNoPattern(t *testing.T) {
	if len(canonicalTransformers) < 20 {
		t.Fatalf("compose-go's registry holds %d transformers: the linkname no longer reaches it", len(canonicalTransformers))
	}
	ours := reflect.ValueOf(keepAsIs).Pointer()
	for _, stop := range canonicalStops {
		fn, ok := canonicalTransformers[stop]
		if !ok || reflect.ValueOf(fn).Pointer() != ours {
			t.Errorf("%s: compose-go transforms this path itself; the stop is not berth's", stop)
		}
		for pattern := range canonicalTransformers {
			if pattern != stop && reaches(pattern, stop) {
				t.Errorf("compose-go's pattern %s matches %s or a path below it: stopping the walk there would skip it", pattern, stop)
			}
		}
	}
}

// TestReaches shows the check above can fail: a pattern at, below or
// across a stop reaches it; one beside or above it does not.
func TestReaches(t *testing.T) {
	for _, c := range []struct {
		pattern, stop tree.Path
		want          bool
	}{
		{"services.*.volumes.*", "services.*.volumes", true},
		{"services.*.environment", "services.*.environment", true},
		{"*.*.environment.*", "services.*.environment", true},
		{"services.web.environment.[]", "services.*.environment", true},
		{"services.*.ports", "services.*.environment", false},
		{"services.*", "services.*.environment", false},
		{"jobs.*.environment.*", "services.*.environment", false},
	} {
		if got := reaches(c.pattern, c.stop); got != c.want {
			t.Errorf("reaches(%s, %s) = %v, want %v", c.pattern, c.stop, got, c.want)
		}
	}
}

// reaches says whether some path at or below stop matches pattern: the
// pattern is at least as deep and each of stop's parts can equal the
// pattern's part there ("*" on either side matches any key).
func reaches(pattern, stop tree.Path) bool {
	pp, sp := pattern.Parts(), stop.Parts()
	if len(pp) < len(sp) {
		return false
	}
	for i, s := range sp {
		if s != tree.PathMatchAll && pp[i] != tree.PathMatchAll && s != pp[i] {
			return false
		}
	}
	return true
}
