package preview_test

import (
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/preview"
)

// Cells cannot break the table or inject HTML; a deploying comment offers
// no re-deploy and no expiry yet; the marker comes first.
func TestCommentIsSafeMarkdown(t *testing.T) {
	at := time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)
	r := ready(at)
	r.Services = append(r.Services, preview.Service{Name: "evil|svc", Ready: "0/1", Status: "Failed: <script>x</script>\nline 2", Failed: true, Images: []string{"img|1"}})
	body := preview.Comment(r, "")
	if !strings.HasPrefix(body, preview.Marker("dev-shop-feature-login")+"\n") {
		t.Errorf("marker not first:\n%s", body)
	}
	for _, want := range []string{`| evil\|svc | ❌ 0/1 | Failed: &lt;script&gt;x&lt;/script&gt; line 2 | ` + "`img\\|1`"} {
		if !strings.Contains(body, want) {
			t.Errorf("comment lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "workflow run") {
		t.Errorf("unescaped HTML, or a run link without a run:\n%s", body)
	}
	d := preview.Comment(deploying(at), "")
	if strings.Contains(d, "Re-deploy") || strings.Contains(d, "Expires") || !strings.Contains(d, "Deploying preview") {
		t.Errorf("deploying comment:\n%s", d)
	}
	noTTL := ready(at)
	noTTL.Env.ExpiresAt = time.Time{}
	if !strings.Contains(preview.Comment(noTTL, ""), "**Expires** never") {
		t.Error("an env without ttl does not say it never expires")
	}
}
