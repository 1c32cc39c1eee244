package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

// Set by the release build through -ldflags "-X main.version=...".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// versionInfo is what `berth version -o json` prints.
type versionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// versionOptions are the options of `berth version`.
type versionOptions struct {
	*globalOptions
	output *outputFormat
}

func newVersionCmd(opts *globalOptions) *cobra.Command {
	o := &versionOptions{globalOptions: opts}
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print berth's version",
		Example: "  berth version\n  berth version -o json",
		Args:    cobra.NoArgs,
		RunE:    runOptions(o),
	}
	o.output = addOutputFlag(cmd, "", []string{"json"}, "output format: json")
	return cmd
}

// Complete has nothing to fill in.
func (o *versionOptions) Complete(*cobra.Command, []string) error { return nil }

// Validate has nothing to check: -o was checked when it was parsed.
func (o *versionOptions) Validate() error { return nil }

// Run prints the version as a line of text or as JSON.
func (o *versionOptions) Run(context.Context) error {
	info := versionInfo{version, commit, date, runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}
	if o.output.String() == "json" {
		enc := json.NewEncoder(o.streams.out)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	_, err := fmt.Fprintf(o.streams.out, "berth %s (commit %s, built %s, %s, %s)\n", info.Version, info.Commit, info.Date, info.GoVersion, info.Platform)
	return err
}
