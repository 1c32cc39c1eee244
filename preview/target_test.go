package preview_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/preview"
)

// vars is an environment for Detect.
type vars map[string]string

func (v vars) lookup(k string) (string, bool) { s, ok := v[k]; return s, ok }

// actionsPR is what GitHub Actions sets for a pull_request run of
// acme/shop's PR 42, with the event payload in a file.
func actionsPR(t *testing.T) vars {
	t.Helper()
	event := filepath.Join(t.TempDir(), "event.json")
	payload := `{"action":"synchronize","number":42,"pull_request":{"number":42,"head":{"ref":"feature/login","sha":"0123456789abcdef0123456789abcdef01234567"}}}`
	if err := os.WriteFile(event, []byte(payload), 0o600); err != nil {
		t.Fatal(err)
	}
	return vars{
		"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_EVENT_NAME": "pull_request",
		"GITHUB_EVENT_PATH": event, "GITHUB_REF": "refs/pull/42/merge", "GITHUB_HEAD_REF": "feature/login",
		"GITHUB_SHA": "ffffffffffffffffffffffffffffffffffffffff", "GITHUB_RUN_ID": "987", "GITHUB_RUN_ATTEMPT": "2",
		"GITHUB_SERVER_URL": "https://github.com", "GITHUB_API_URL": "https://api.github.com", "GITHUB_TOKEN": "ghs_s3cr3t",
	}
}

func TestDetectInActions(t *testing.T) {
	tg, err := preview.Detect(actionsPR(t).lookup, preview.Flags{})
	if err != nil || tg == nil {
		t.Fatalf("Detect: %v, %v", tg, err)
	}
	if tg.Owner != "acme" || tg.Repo != "shop" || tg.PR != 42 || tg.Branch != "feature/login" || !tg.Actions || !tg.HasToken() {
		t.Errorf("target %+v", tg)
	}
	if tg.SHA != "0123456789abcdef0123456789abcdef01234567" {
		t.Errorf("SHA %q, want the PR head's (not the merge commit's)", tg.SHA)
	}
	if tg.RunURL != "https://github.com/acme/shop/actions/runs/987/attempts/2" {
		t.Errorf("run URL %q", tg.RunURL)
	}
	if s := tg.String(); s != "acme/shop#42" || strings.Contains(s, "s3cr3t") {
		t.Errorf("String %q", s)
	}
	if got := tg.Scrub("Authorization: Bearer ghs_s3cr3t"); got != "Authorization: Bearer ***" {
		t.Errorf("Scrub %q", got)
	}
}

// Without an event payload, GITHUB_REF names the pull request; a push
// run has none; flags win over the variables.
func TestDetectFallbacksAndFlags(t *testing.T) {
	v := actionsPR(t)
	delete(v, "GITHUB_EVENT_PATH")
	if tg, err := preview.Detect(v.lookup, preview.Flags{}); err != nil || tg == nil || tg.PR != 42 || tg.SHA != v["GITHUB_SHA"] {
		t.Errorf("from GITHUB_REF: %+v, %v", tg, err)
	}
	v["GITHUB_EVENT_NAME"], v["GITHUB_REF"] = "push", "refs/heads/main"
	if tg, err := preview.Detect(v.lookup, preview.Flags{}); tg != nil || err != nil {
		t.Errorf("push run: %+v, %v; want none", tg, err)
	}
	tg, err := preview.Detect(v.lookup, preview.Flags{Repo: "other/repo", PR: 7})
	if err != nil || tg.Owner != "other" || tg.Repo != "repo" || tg.PR != 7 || tg.Branch != "" {
		t.Errorf("flags: %+v, %v", tg, err)
	}
	if tg, err := preview.Detect(vars{}.lookup, preview.Flags{}); tg != nil || err != nil {
		t.Errorf("no CI, no flags: %+v, %v", tg, err)
	}
	local := vars{"GITHUB_TOKEN": "t", "GITHUB_API_URL": "https://ghe.example.com/api/v3/"}
	tg, err = preview.Detect(local.lookup, preview.Flags{Repo: "acme/shop", PR: 3})
	if err != nil || tg.APIURL != "https://ghe.example.com/api/v3" || tg.RunURL != "" || tg.Actions {
		t.Errorf("local with flags: %+v, %v", tg, err)
	}
}

// Bad input is an error naming the flag or variable.
func TestDetectBadInput(t *testing.T) {
	for _, tt := range []struct {
		env   vars
		flags preview.Flags
		want  string
	}{
		{vars{}, preview.Flags{PR: 4}, "--pr 4: no repository"},
		{vars{}, preview.Flags{Repo: "acme/shop"}, "--github-repo acme/shop: no pull request"},
		{vars{}, preview.Flags{Repo: "acme", PR: 1}, `--github-repo "acme": want OWNER/REPO`},
		{vars{"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "a/b/c"}, preview.Flags{}, `GITHUB_REPOSITORY "a/b/c"`},
		{vars{}, preview.Flags{Repo: "a/b", PR: -1}, "--pr -1"},
	} {
		if _, err := preview.Detect(tt.env.lookup, tt.flags); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %+v: %v, want %q", tt.env, tt.flags, err, tt.want)
		}
	}
}
