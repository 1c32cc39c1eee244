package tui

import (
	"context"
	"errors"
	"fmt"
	"io"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Theme picks colours: "" detects the terminal background.
type Theme string

// Themes.
const (
	ThemeAuto  Theme = ""
	ThemeLight Theme = "light"
	ThemeDark  Theme = "dark"
)

// RunOptions are terminal settings for Run.
type RunOptions struct {
	In      io.Reader
	Out     io.Writer
	NoColor bool // NO_COLOR is set: no colours at all
	Theme   Theme
}

// Run shows the UI full-screen (alternate screen, mouse wheel) until the
// user quits or ctx is done.
func Run(ctx context.Context, cfg Config, o RunOptions) error {
	if o.NoColor {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	switch o.Theme {
	case ThemeLight:
		lipgloss.SetHasDarkBackground(false)
	case ThemeDark:
		lipgloss.SetHasDarkBackground(true)
	}
	m := New(cfg)
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithFPS(fps)}
	if o.In != nil {
		opts = append(opts, tea.WithInput(o.In))
	}
	if o.Out != nil {
		opts = append(opts, tea.WithOutput(o.Out))
	}
	_, err := tea.NewProgram(m, opts...).Run()
	m.stop()
	if err != nil && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return m.err
}

// fps caps how often the renderer looks for a new frame: at bubbletea's
// default 60 its ticker alone kept an idle live view at ~0.4 % of a core;
// 30 halves that and adds at most 33 ms to a change reaching the screen.
const fps = 30
