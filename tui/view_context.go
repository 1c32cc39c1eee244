package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/berth-dev/berth/k8s"
	"github.com/berth-dev/berth/status"
	"github.com/berth-dev/berth/tui/render"
)

// viewCtx is what a view reads of the shared state: a copy made by the
// root for each message and frame. Views change nothing through it; they
// return messages (see view.go) for the root to act on.
type viewCtx struct {
	snap        *k8s.Snapshot
	statuses    []status.Env  // every env in the snapshot, by namespace
	clock       *render.Clock // the frame being drawn (or the last one)
	styles      *styles
	filter      string
	project     string // the project of the working directory; "" for none
	branch      string // the checked-out git branch; "" for none
	allProjects bool
	width       int                   // the terminal's width
	forwards    map[string]Forwarding // running port-forwards by namespace
}

// status returns the status of the env in ns.
func (c *viewCtx) status(ns string) status.Env {
	i, ok := slices.BinarySearchFunc(c.statuses, ns, func(st status.Env, ns string) int { return strings.Compare(st.Namespace, ns) })
	if !ok {
		return status.Env{Namespace: ns, Phase: status.PhaseMissing}
	}
	return c.statuses[i]
}

// matches reports whether any of the strings contains the filter.
func (c *viewCtx) matches(s ...string) bool {
	if c.filter == "" {
		return true
	}
	f := strings.ToLower(c.filter)
	for _, x := range s {
		if strings.Contains(strings.ToLower(x), f) {
			return true
		}
	}
	return false
}

// visibleEnvs are the envs of the project (or all), filtered, with the
// current branch's env first.
func (c *viewCtx) visibleEnvs() []status.Env {
	var cur, rest []status.Env
	for _, st := range c.statuses {
		if !c.allProjects && c.project != "" && st.Project != c.project {
			continue
		}
		if !c.matches(st.Namespace, st.Branch, st.Owner, st.Project, string(st.Phase), render.PullRequest(st.PR)) {
			continue
		}
		if c.isCurrent(st) {
			cur = append(cur, st)
		} else {
			rest = append(rest, st)
		}
	}
	return append(cur, rest...)
}

// isCurrent reports the env of the checked-out branch in this project.
func (c *viewCtx) isCurrent(st status.Env) bool {
	return c.branch != "" && st.Branch == c.branch && (c.project == "" || st.Project == c.project)
}

// currentEnv returns the namespace of the checked-out branch's env.
func (c *viewCtx) currentEnv() string {
	for _, st := range c.statuses {
		if c.isCurrent(st) {
			return st.Namespace
		}
	}
	return ""
}

// showProject reports whether rows have a PROJECT column.
func (c *viewCtx) showProject() bool { return c.allProjects || c.project == "" }

// resourceNotes are one line per failing resource among rs, e.g. RBAC
// refusals, shown where the data would be.
func (c *viewCtx) resourceNotes(w int, rs ...k8s.Resource) []string {
	var out []string
	for _, r := range rs {
		st := c.snap.Resources[r]
		if st.Err == "" {
			continue
		}
		what := "error"
		if st.Forbidden {
			what = "forbidden"
		}
		out = append(out, c.styles.errText.Render(render.Fit(fmt.Sprintf("! %s %s: %s", r, what, render.OneLine(st.Err)), w)))
	}
	return out
}

// accessNote is the line saying the env's objects may not be read (a
// developer's narrow grant without the env's RoleBinding), or none.
func (c *viewCtx) accessNote(w int, ns string) []string {
	why, denied := c.snap.Denied(ns)
	if !denied {
		return nil
	}
	return []string{c.styles.errText.Render(render.Fit("! no access to this environment's objects: "+render.OneLine(why), w))}
}
