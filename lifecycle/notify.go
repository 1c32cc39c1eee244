package lifecycle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/status"
)

// notifyTimeout bounds one webhook call when the client sets no timeout.
const notifyTimeout = 10 * time.Second

// maxReasonLen bounds an error's text in a message.
const maxReasonLen = 300

// Notifier posts Slack-compatible messages ({"text": ...}) to a webhook;
// to a Slack incoming webhook (hooks.slack.com) the text and Slack blocks
// only (slack.go). Messages carry names, branches, owners, URLs, reasons
// and the re-deploy command only: never object contents, logs or the
// webhook URL (which often holds a token).
type Notifier struct {
	URL    string
	Client *http.Client // default: a client with a 10 s timeout
}

// State is what a message says of its environment.
type State string

// Message states.
const (
	StateReady   State = "ready"   // up succeeded
	StateFailed  State = "failed"  // up failed; Reason says why
	StateDeleted State = "deleted" // down deleted it
)

// Message is a webhook payload: Slack's text, plus fields for receivers
// that read more than text (a CI bot): the env, its state and URLs, why it
// failed and how to deploy it again.
type Message struct {
	Text      string       `json:"text"`
	State     State        `json:"state,omitempty"`
	Namespace string       `json:"namespace,omitempty"`
	Branch    string       `json:"branch,omitempty"`
	PR        int          `json:"pullRequest,omitempty"`
	URLs      []status.URL `json:"urls,omitempty"`
	Reason    string       `json:"reason,omitempty"`
	Redeploy  string       `json:"redeploy,omitempty"` // the command that deploys the env again
}

// Send posts text. Its errors never contain the URL.
func (n Notifier) Send(ctx context.Context, text string) error {
	return n.Post(ctx, Message{Text: text})
}

// Post posts m. Its errors never contain the URL.
func (n Notifier) Post(ctx context.Context, m Message) error {
	var payload any = m
	if IsSlackWebhook(n.URL) {
		payload = slackPayloadOf(m)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	hc := n.Client
	if hc == nil {
		hc = &http.Client{Timeout: notifyTimeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(body))
	if err != nil {
		return errors.New("webhook: invalid URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error repeats the URL
		}
		return fmt.Errorf("webhook: post: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

// UpMessage is the notification of an up's result: err nil means ready.
// An error with a NotifyReason method (rollout's *UpError) is told by that
// alone: its details can hold log lines, which may hold secrets. The env's
// urls and the command that deploys it again ride along, and a ready env's
// text links to the first URL.
func UpMessage(env envs.Env, urls []status.URL, err error) Message {
	who := envWho(env.Branch, env.Owner)
	if env.Commit != "" {
		who += " @ " + shortCommit(env.Commit)
	}
	m := Message{Namespace: env.Namespace, Branch: env.Branch, PR: env.PR, URLs: urls, Redeploy: RedeployCommand(env)}
	if err == nil {
		m.State = StateReady
		m.Text = fmt.Sprintf("berth: ✅ %s is ready (%s)", env.Namespace, who)
		if len(urls) > 0 {
			m.Text += ": " + urls[0].URL
		}
		return m
	}
	m.State, m.Reason = StateFailed, ErrorReason(err)
	m.Text = fmt.Sprintf("berth: ❌ up of %s failed (%s): %s", env.Namespace, who, m.Reason)
	return m
}

// DownMessage is the notification that `berth down` deleted the env in
// namespace ns of branch (owner may be "").
func DownMessage(ns, branch, owner string, pr int) Message {
	return Message{
		Text:  fmt.Sprintf("berth: 🗑 %s deleted (%s)", ns, envWho(branch, owner)),
		State: StateDeleted, Namespace: ns, Branch: branch, PR: pr,
	}
}

// RedeployCommand is the command that deploys env again from its repo:
// `berth up --branch B`, plus --tag when the tag is not the branch's
// default; arguments quoted for a POSIX shell where needed.
func RedeployCommand(env envs.Env) string {
	if env.Branch == "" {
		return ""
	}
	cmd := "berth up --branch " + shellQuote(env.Branch)
	if env.Tag != "" && env.Tag != env.Slug {
		cmd += " --tag " + shellQuote(env.Tag)
	}
	return cmd
}

// shellQuote quotes s for a POSIX shell unless it is made only of
// characters that need no quoting.
func shellQuote(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+@%=:,", r)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// GCMessage is the notification of gc's actions; "" when there were none.
func GCMessage(actions []Action) string {
	if len(actions) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("berth gc:")
	for _, a := range actions {
		verb := map[ActionKind]string{ActionDelete: "deleted", ActionSleep: "put to sleep", ActionSkip: "skipped"}[a.Kind]
		if a.DryRun {
			verb = "would be " + verb
		}
		fmt.Fprintf(&b, "\n• %s %s (%s): %s", a.Namespace, verb, envWho(a.Branch, a.Owner), a.Reason)
		if a.Err != "" {
			fmt.Fprintf(&b, " — failed: %s", clip(firstLine(a.Err)))
		}
	}
	return b.String()
}

func envWho(branch, owner string) string {
	s := "branch " + branch
	if owner != "" {
		s += " by " + owner
	}
	return s
}

// ErrorReason is a short, secret-free account of err: an error with a
// NotifyReason method (rollout's *UpError) is told by that alone, any
// other by its first line; clipped to 300 bytes.
func ErrorReason(err error) string {
	var r interface{ NotifyReason() string }
	if errors.As(err, &r) {
		return clip(r.NotifyReason())
	}
	return clip(firstLine(err.Error()))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func clip(s string) string {
	if len(s) <= maxReasonLen {
		return s
	}
	cut := maxReasonLen
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func shortCommit(c string) string {
	if len(c) > envs.ShortCommitLen {
		return c[:envs.ShortCommitLen]
	}
	return c
}
