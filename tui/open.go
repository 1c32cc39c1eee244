package tui

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"

	tea "github.com/charmbracelet/bubbletea"
)

// Opener opens a URL in the user's browser.
type Opener func(ctx context.Context, url string) error

// ErrNoOpener is returned by an Opener that finds no way to open a URL:
// the TUI then shows the URL on the message line instead.
var ErrNoOpener = errors.New("no browser opener")

// PlatformOpener opens url with the platform's opener: open on macOS,
// rundll32's FileProtocolHandler on Windows, xdg-open elsewhere. It
// returns ErrNoOpener (wrapped) when that command is not installed.
func PlatformOpener(_ context.Context, url string) error {
	name, args := "xdg-open", []string{url}
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler", url}
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("%w (%s not found)", ErrNoOpener, name)
	}
	// Not CommandContext: the caller cancels ctx as soon as this returns,
	// which would kill an opener (xdg-open is often a script) mid-way.
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	go func() { _ = cmd.Wait() }() // reap it; browsers outlive the opener
	return nil
}

// openURLMsg opens url with the configured Opener.
type openURLMsg struct{ url string }

// urlPicker is a view that knows which service's URL `o` opens (the one
// under its cursor); others open the env's first URL.
type urlPicker interface{ urlService(c *viewCtx) string }

// openURL runs the opener off the UI goroutine and reports on the message
// line; the URL is shown either way, so it can be copied where no
// browser can be opened.
func (m *Model) openURL(url string) tea.Cmd {
	open := m.cfg.Open
	if open == nil {
		open = PlatformOpener
	}
	timeout := m.cfg.ActionTimeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		switch err := open(ctx, url); {
		case errors.Is(err, ErrNoOpener):
			return flash(true, "%s (%v)", url, err)
		case err != nil:
			return flash(false, "open %s: %v", url, err)
		}
		return flash(true, "opened %s", url)
	}
}
