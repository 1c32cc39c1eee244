package render

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/status"
)

// BorrowLine is how an env deployed in changed mode runs, as the TUI's env
// header and `berth status` say it: "deployed here: vroom · borrowed 59 →
// dev-shop-main · saves $4.10/day, 81 objects, 64 pods", then what is
// wrong with the borrowed services; "" for an env that borrows nothing.
func BorrowLine(st status.Env) string {
	b := st.Borrow
	if b == nil {
		return ""
	}
	deployed := "nothing"
	if len(b.Deployed) > 0 {
		deployed = strings.Join(b.Deployed[:min(len(b.Deployed), 3)], ", ")
		if n := len(b.Deployed) - 3; n > 0 {
			deployed += fmt.Sprintf(" +%d", n)
		}
	}
	saves := "saves "
	if b.Cost.Priced && b.Cost.PerDay() > 0 {
		saves += Dollars(b.Cost.PerDay()) + "/day, "
	}
	saves += count(b.SavedObjects, "object") + ", " + count(b.SavedPods, "pod")
	parts := []string{"deployed here: " + deployed, fmt.Sprintf("borrowed %d → %s", len(b.Borrowed), b.Baseline), saves}
	if len(b.Changed) > 0 {
		parts = append(parts, "changed in the baseline since up: "+strings.Join(b.Changed, ", "))
	}
	return strings.Join(parts, " · ")
}

// BaselineCell is the BASELINE cell of the environments list, "59 →
// dev-shop-main": services borrowed, from where; "" for an env that
// borrows nothing (the column shows only when one does).
func BaselineCell(st status.Env) string {
	if st.Borrow == nil {
		return ""
	}
	return fmt.Sprintf("%d → %s", len(st.Borrow.Borrowed), st.Borrow.Baseline)
}

// count is "1 pod", "3 pods".
func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
