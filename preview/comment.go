package preview

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/tui/render"
)

// maxCommentLen keeps a comment under GitHub's 65,536 characters.
const maxCommentLen = 60000

// maxLineLen clips one line of the log tail.
const maxLineLen = 300

// Marker is the hidden line that identifies the preview comment of the
// env in namespace ns: the comment is found again by it and edited.
func Marker(ns string) string { return "<!-- berth:preview namespace=" + ns + " -->" }

// Comment is the body of the pull request comment for r; runURL (may be
// "") links the CI run.
func Comment(r Report, runURL string) string {
	var b strings.Builder
	env := r.Env
	b.WriteString(Marker(env.Namespace) + "\n")
	switch r.State {
	case StateDeploying:
		fmt.Fprintf(&b, "### ⏳ Deploying preview `%s`\n\n", env.Namespace)
	case StateReady:
		fmt.Fprintf(&b, "### ✅ Preview ready: `%s`\n\n", env.Namespace)
	case StateFailed:
		fmt.Fprintf(&b, "### ❌ Preview failed: `%s`\n\n", env.Namespace)
	case StateDeleted:
		fmt.Fprintf(&b, "### 🗑️ Preview deleted: `%s`\n\n", env.Namespace)
		fmt.Fprintf(&b, "The environment and everything in it were deleted (%s).\n", utc(r))
		writeFooter(&b, r)
		return clipComment(b.String())
	}
	if r.State == StateFailed {
		fmt.Fprintf(&b, "**Reason:** %s\n\n", cell(r.Reason))
	}
	if len(r.URLs) > 0 && r.State == StateReady {
		var links []string
		for _, u := range r.URLs {
			links = append(links, fmt.Sprintf("[%s](%s)", cell(u.Service), u.URL))
		}
		b.WriteString("**Open:** " + strings.Join(links, " · ") + "\n\n")
	}
	if len(r.Services) > 0 {
		writeServices(&b, r)
	}
	writeFacts(&b, r, runURL)
	if len(r.LogTail) > 0 {
		writeLogTail(&b, r.LogTail)
	}
	if r.Redeploy != "" && r.State != StateDeploying {
		b.WriteString("\n**Re-deploy:** push to the branch")
		if runURL != "" {
			fmt.Fprintf(&b, ", re-run the [workflow run](%s)", runURL)
		}
		fmt.Fprintf(&b, ", or run `%s`\n", r.Redeploy)
	}
	writeFooter(&b, r)
	return clipComment(b.String())
}

// writeServices writes the service table: ready, status, images (with the
// digest running, when known) and URL.
func writeServices(b *strings.Builder, r Report) {
	urls := map[string]string{}
	for _, u := range r.URLs {
		urls[u.Service] = u.URL
	}
	b.WriteString("| Service | Ready | Status | Image | URL |\n|---|---|---|---|---|\n")
	objects := map[string]int{}
	for _, s := range r.Services {
		objects[s.Name]++
	}
	for _, s := range r.Services {
		name := cell(s.Name)
		if objects[s.Name] > 1 && s.Object != "" {
			name += " (" + cell(s.Object) + ")" // e.g. a Job of the last up and the one replacing it
		}
		mark := "✅"
		switch {
		case s.Failed:
			mark = "❌"
		case !s.OK:
			mark = "⏳"
		}
		var images []string
		for _, img := range s.Images {
			text := "`" + cell(img) + "`"
			if d := s.Digests[img]; d != "" && !strings.Contains(img, "@") {
				text += " `" + cell(shortDigest(d)) + "`"
			}
			images = append(images, text)
		}
		fmt.Fprintf(b, "| %s | %s %s | %s | %s | %s |\n", name, mark, cell(s.Ready), cell(render.OneLine(s.Status)),
			strings.Join(images, "<br>"), cell(urls[s.Name]))
	}
	b.WriteString("\n")
}

// writeFacts writes the line of branch, commit, expiry, cost and CI run.
func writeFacts(b *strings.Builder, r Report, runURL string) {
	env := r.Env
	facts := []string{"**Branch** `" + cell(env.Branch) + "`"}
	if env.Commit != "" {
		facts = append(facts, "**Commit** `"+shortSHA(env.Commit)+"`")
	}
	if r.State != StateDeploying {
		expires := "never"
		if !env.ExpiresAt.IsZero() {
			expires = fmt.Sprintf("in %s (%s)", render.ExpiresIn(env.ExpiresAt, r.At), env.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"))
		}
		facts = append(facts, "**Expires** "+expires)
	}
	if r.Cost != "" {
		facts = append(facts, "**Cost** "+cell(r.Cost))
	}
	if runURL != "" {
		facts = append(facts, fmt.Sprintf("**Logs** [CI run](%s)", runURL))
	}
	b.WriteString(strings.Join(facts, " · ") + "\n")
}

// writeLogTail writes the failure's details, folded, in a code block whose
// fence no line can close.
func writeLogTail(b *strings.Builder, lines []string) {
	fence := "```"
	for _, l := range lines {
		for strings.Contains(l, fence) {
			fence += "`"
		}
	}
	b.WriteString("\n<details><summary>Details and log tail</summary>\n\n" + fence + "text\n")
	for _, l := range lines {
		b.WriteString(clipLine(l) + "\n")
	}
	b.WriteString(fence + "\n\n</details>\n")
}

func writeFooter(b *strings.Builder, r Report) {
	fmt.Fprintf(b, "\n<sub>berth · updated %s</sub>\n", utc(r))
}

func utc(r Report) string { return r.At.UTC().Format("2006-01-02 15:04 UTC") }

// cell makes s safe in a table cell and on one line: no pipes, no line
// breaks, no HTML.
func cell(s string) string {
	s = render.OneLine(s)
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}

func clipLine(s string) string { return clip(s, maxLineLen, "…") }

// clipComment keeps body within GitHub's limit.
func clipComment(body string) string { return clip(body, maxCommentLen, "\n\n…(cut)\n") }

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int, mark string) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + mark
}

func shortSHA(s string) string { return s[:min(len(s), envs.ShortCommitLen)] }

// shortDigest is "sha256:" and the first 12 hex digits.
func shortDigest(d string) string { return d[:min(len(d), len("sha256:")+12)] }
