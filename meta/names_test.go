package meta

import (
	"strings"
	"testing"
)

// The outputs below are those of compose's dnsName and envs' fitLabel
// before both became FitName: object and namespace names must not change.
func TestFitNameCompose(t *testing.T) {
	long := strings.Repeat("service", 20)
	uni := "Feature/ÜBER_long-branch-name-with-many-words-that-goes-on-and-on-for-80-chars"
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"web", 63, "web"},
		{"My_Service.1", 63, "my-service-1"},
		{"1st", 63, "x-1st"},
		{"___", 63, "x"},
		{"", 63, "x"},
		{"a--b", 63, "a-b"},
		{"Crème Brûlée", 63, "cr-me-br-l-e"},
		{"日本語", 63, "x"},
		{"a\xffb", 63, "a-b"},
		{"-Leading-", 63, "leading"},
		{"deadbeef", 63, "deadbeef"},
		{long, 63, "serviceserviceserviceserviceserviceserviceserviceservice-13c80e"},
		{long, 52, "serviceserviceserviceserviceserviceserviceser-13c80e"},
		{long, 253, long},
		{uni, 63, "feature-ber-long-branch-name-with-many-words-that-goes-o-f2eb62"},
		{uni, 20, "feature-ber-l-f2eb62"},
		{strings.Repeat("x", 63), 63, strings.Repeat("x", 63)},
		{strings.Repeat("x", 64), 63, strings.Repeat("x", 56) + "-7ce100"},
		{strings.Repeat("a", 44) + "-" + strings.Repeat("b", 20), 52, strings.Repeat("a", 44) + "-4f1bd3"},
	}
	for _, tt := range tests {
		if got := FitName(tt.in, tt.limit, RFC1035()); got != tt.want {
			t.Errorf("FitName(%q, %d, RFC1035()) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

func TestFitNameEnvs(t *testing.T) {
	uni := "Feature/ÜBER_long-branch-name-with-many-words-that-goes-on-and-on-for-80-chars"
	a70 := strings.Repeat("a", 70)
	tests := []struct {
		head, raw string
		changed   bool
		want      string
	}{
		{"dev-shop-main", "main", false, "dev-shop-main"},
		{"dev-shop-feature-x", "feature/x", true, "dev-shop-feature-x-217d2bf5"},
		{"", "", true, "e3b0c442"},
		{"x-deadbeef", "x-deadbeef", false, "x-deadbeef-65f29b0e"},
		{"deadbeef", "deadbeef", false, "deadbeef-2baf1f40"},
		{"deadbee", "deadbee", false, "deadbee"},
		{"x-DEADBEEF", "x-DEADBEEF", false, "x-DEADBEEF"},
		{a70, a70, false, strings.Repeat("a", 54) + "-6bd5e503"},
		{"dev-shop-feature-uber-long-branch-name-with-many-words-that-goes-on-and-on-for-80-chars", uni, true,
			"dev-shop-feature-uber-long-branch-name-with-many-words-f2eb624f"},
		{strings.Repeat("b", 63), strings.Repeat("b", 63), false, strings.Repeat("b", 63)},
		{"web-" + strings.Repeat("c", 63), "ns/web", true, "web-" + strings.Repeat("c", 50) + "-4cd4af21"},
		{strings.Repeat("a", 53) + "-" + strings.Repeat("b", 20), "r", false, strings.Repeat("a", 53) + "-454349e4"},
		{"web-dev", "ns/Web", true, "web-dev-54bc47cb"},
	}
	for _, tt := range tests {
		got := FitName(tt.head, 63, HashLen(8), HashOf(tt.raw), Hashed(tt.changed), HashLookalikes())
		if got != tt.want {
			t.Errorf("FitName(%q, 63, hash of %q, changed %v) = %q, want %q", tt.head, tt.raw, tt.changed, got, tt.want)
		}
	}
}

func TestFitNameTinyLimit(t *testing.T) {
	if got := FitName("abcdef", 3); got != NameHash("abcdef", 6) {
		t.Errorf("FitName with a limit below the hash = %q, want the hash alone", got)
	}
}
