package envs

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/meta"
)

func branchHash(branch string) string {
	sum := sha256.Sum256([]byte(branch))
	return hex.EncodeToString(sum[:])[:hashLen]
}

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"main", "main"},
		{"Feature/ÜBER_thing", "feature-uber-thing"},
		{"--a__b--", "a-b"},
		{"Crème Brûlée", "creme-brulee"},
		{"ﬁx/ß", "fix"}, // ligature folds, ß has no ASCII base
		{"日本語", ""},
		{"", ""},
		{"123-abc", "123-abc"},
		{"a\xffb", "a-b"}, // invalid UTF-8
	}
	for _, tt := range tests {
		if got := Slug(tt.in); got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNamespace(t *testing.T) {
	long := "Feature/ÜBER_long-branch-name-with-many-words-that-goes-on-and-on-for-80-chars"
	tests := []struct {
		name                    string
		prefix, project, branch string
		want                    string
	}{
		{"plain", "dev", "shop", "main", "dev-shop-main"},
		{"plain with dashes", "dev", "shop", "fix-login-2", "dev-shop-fix-login-2"},
		{"slash changes", "dev", "shop", "feature/x", "dev-shop-feature-x-" + branchHash("feature/x")},
		{"case changes", "dev", "shop", "Main", "dev-shop-main-" + branchHash("Main")},
		{"empty prefix", "", "shop", "main", "shop-main"},
		{"empty project", "dev", "", "main", "dev-main"},
		{"all empty", "", "", "", branchHash("")},
		{"empty branch", "dev", "shop", "", "dev-shop-" + branchHash("")},
		{"symbols only", "dev", "shop", "///", "dev-shop-" + branchHash("///")},
		{"leading digits", "", "", "123", "123"},
		{"project slugged", "Dev", "My_Shop", "main", "dev-my-shop-main"},
		{"hash-shaped branch", "dev", "shop", "x-deadbeef", "dev-shop-x-deadbeef-" + branchHash("x-deadbeef")},
		{"bare hash-shaped branch", "", "", "deadbeef", "deadbeef-" + branchHash("deadbeef")},
		{"long unicode", "dev", "shop", long,
			strings.TrimRight(("dev-shop-" + Slug(long))[:maxLabel-hashLen-1], "-") + "-" + branchHash(long)},
		{"long plain", "dev", "shop", strings.Repeat("a", 70),
			("dev-shop-" + strings.Repeat("a", 70))[:maxLabel-hashLen-1] + "-" + branchHash(strings.Repeat("a", 70))},
		{"exactly 63", "", "", strings.Repeat("b", 63), strings.Repeat("b", 63)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Namespace(tt.prefix, tt.project, tt.branch)
			if got != tt.want {
				t.Errorf("Namespace(%q, %q, %q) = %q, want %q", tt.prefix, tt.project, tt.branch, got, tt.want)
			}
			if errs := validation.IsDNS1123Label(got); len(errs) > 0 {
				t.Errorf("Namespace(...) = %q is not a DNS-1123 label: %v", got, errs)
			}
		})
	}
}

func TestNamespaceLongBranchesDiffer(t *testing.T) {
	base := "Feature/ÜBER_long-branch-name-with-many-words-that-goes-on-and-on-for-"
	a, b := Namespace("dev", "shop", base+"80-chars-a"), Namespace("dev", "shop", base+"80-chars-b")
	if a == b {
		t.Fatalf("branches differing after the cut share namespace %q", a)
	}
	if len(a) != maxLabel || len(b) != maxLabel {
		t.Errorf("lengths %d, %d, want %d", len(a), len(b), maxLabel)
	}
}

func TestBranchSlug(t *testing.T) {
	for _, branch := range []string{"main", "Feature/ÜBER", strings.Repeat("x/", 50), "", "v1.2.3"} {
		got := BranchSlug(branch)
		if errs := validation.IsValidLabelValue(got); len(errs) > 0 {
			t.Errorf("BranchSlug(%q) = %q: %v", branch, got, errs)
		}
		if got != Namespace("", "", branch) {
			t.Errorf("BranchSlug(%q) = %q differs from Namespace without prefix", branch, got)
		}
	}
	if got := BranchSlug("main"); got != "main" {
		t.Errorf(`BranchSlug("main") = %q`, got)
	}
}

func FuzzNamespace(f *testing.F) {
	f.Add("dev", "shop", "main", "Main")
	f.Add("dev", "shop", "feature/x", "feature-x")
	f.Add("", "", "", "deadbeef")
	f.Add("dev", "shop", "Feature/ÜBER_long-branch-name-with-many-words-that-goes-on-and-on-for-80-chars", "x")
	f.Add("Ü", "日本", "\xff", "-")
	f.Fuzz(func(t *testing.T, prefix, project, b1, b2 string) {
		n1, n2 := Namespace(prefix, project, b1), Namespace(prefix, project, b2)
		for _, n := range []string{n1, n2} {
			if errs := validation.IsDNS1123Label(n); len(errs) > 0 {
				t.Fatalf("Namespace(%q, %q, ...) = %q invalid: %v", prefix, project, n, errs)
			}
		}
		if n1 != Namespace(prefix, project, b1) {
			t.Fatalf("Namespace not deterministic for %q", b1)
		}
		if b1 != b2 && n1 == n2 && branchHash(b1) != branchHash(b2) {
			t.Fatalf("branches %q and %q collide on %q", b1, b2, n1)
		}
		// An unchanged, short branch keeps its name readable (no hash).
		if want := strings.Join(nonEmpty(Slug(prefix), Slug(project), b1), "-"); Slug(b1) == b1 && b1 != "" &&
			len(want) <= maxLabel && !meta.LooksHashed(want, hashLen) && n1 != want {
			t.Fatalf("Namespace(%q, %q, %q) = %q, want plain %q", prefix, project, b1, n1, want)
		}
		if s := BranchSlug(b1); len(validation.IsValidLabelValue(s)) > 0 {
			t.Fatalf("BranchSlug(%q) = %q is not a label value", b1, s)
		}
	})
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
