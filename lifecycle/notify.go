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

// Notifier posts Slack-compatible messages ({"text": ...}) to a webhook.
// Messages carry names, branches, owners and reasons only: never object
// contents, logs or the webhook URL (which often holds a token).
type Notifier struct {
	URL    string
	Client *http.Client // default: a client with a 10 s timeout
}

// Message is a webhook payload: Slack's text, plus the env's URLs (for
// receivers that read more than text).
type Message struct {
	Text string       `json:"text"`
	URLs []status.URL `json:"urls,omitempty"`
}

// Send posts text. Its errors never contain the URL.
func (n Notifier) Send(ctx context.Context, text string) error {
	return n.Post(ctx, Message{Text: text})
}

// Post posts m. Its errors never contain the URL.
func (n Notifier) Post(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
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
// urls ride along, and a ready env's text links to the first.
func UpMessage(env envs.Env, urls []status.URL, err error) Message {
	who := envWho(env.Branch, env.Owner)
	if env.Commit != "" {
		who += " @ " + shortCommit(env.Commit)
	}
	m := Message{URLs: urls}
	if err == nil {
		m.Text = fmt.Sprintf("berth: ✅ %s is ready (%s)", env.Namespace, who)
		if len(urls) > 0 {
			m.Text += ": " + urls[0].URL
		}
		return m
	}
	m.Text = fmt.Sprintf("berth: ❌ up of %s failed (%s): %s", env.Namespace, who, errorReason(err))
	return m
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

// errorReason is a short, secret-free account of err.
func errorReason(err error) string {
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
