package lifecycle

import (
	"fmt"
	"net/url"
	"strings"
)

// slackHost is the host of Slack's incoming webhooks.
const slackHost = "hooks.slack.com"

// maxSlackFields is how many fields Slack allows in one section block.
const maxSlackFields = 10

// IsSlackWebhook reports whether raw is a Slack incoming webhook URL: then
// messages are sent as Slack blocks.
func IsSlackWebhook(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && strings.EqualFold(u.Hostname(), slackHost)
}

// slackPayload is what a Slack incoming webhook accepts: the text (the
// notification's fallback) and the blocks shown in its place.
type slackPayload struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks,omitempty"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func mrkdwn(s string) slackText { return slackText{Type: "mrkdwn", Text: s} }

// slackPayloadOf lays m out as Slack blocks: the text, a field per URL
// (at most 10), the failure reason and, in a context line, the re-deploy
// command.
func slackPayloadOf(m Message) slackPayload {
	p := slackPayload{Text: m.Text}
	if m.State == "" {
		return p // a plain text message (gc): the text says it all
	}
	head := mrkdwn(slackEscape(m.Text))
	p.Blocks = append(p.Blocks, slackBlock{Type: "section", Text: &head})
	if len(m.URLs) > 0 && m.State != StateDeleted {
		var fields []slackText
		for _, u := range m.URLs[:min(len(m.URLs), maxSlackFields)] {
			fields = append(fields, mrkdwn(fmt.Sprintf("*%s*\n<%s>", slackEscape(u.Service), slackEscape(u.URL))))
		}
		p.Blocks = append(p.Blocks, slackBlock{Type: "section", Fields: fields})
	}
	if m.Reason != "" {
		reason := mrkdwn("*Reason:* " + slackEscape(m.Reason))
		p.Blocks = append(p.Blocks, slackBlock{Type: "section", Text: &reason})
	}
	if m.Redeploy != "" {
		p.Blocks = append(p.Blocks, slackBlock{Type: "context", Elements: []slackText{mrkdwn("Re-deploy: `" + slackEscape(m.Redeploy) + "`")}})
	}
	return p
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
