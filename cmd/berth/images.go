package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/images"
	"github.com/berth-dev/berth/tui/render"
)

// imagesOptions are the options of `berth images`.
type imagesOptions struct {
	*globalOptions
	app     appFlags
	push    bool
	output  *outputFormat
	timeout time.Duration

	// set by Complete
	loaded *envs.App
	env    envs.Env
}

func newImagesCmd(opts *globalOptions) *cobra.Command {
	o := &imagesOptions{globalOptions: opts}
	cmd := &cobra.Command{
		Use:   "images",
		Short: "List the app's own images with their content tags; --push builds the missing ones",
		Long: `images lists each image the app builds from source (compose build:) as berth up
deploys it: <registry>/<image>:<content tag>, where the content tag, sha-<12 hex>,
is a digest of what the build reads (the context's files after .dockerignore,
the Dockerfile, build args, target and platforms). It looks each up in the
registry: present (with its digest) or missing. A branch that did not touch
a service finds the image another branch pushed.

--push builds and pushes the missing ones with berth.yaml's images.builder
(docker, buildkit or command), in parallel, streaming their output. CI runs
` + "`berth images --push && berth up`" + ` (see docs/images.md).

Exit codes: 0 ok (listed, or all pushed), 1 error (a failed build too),
2 usage or images missing that --push cannot build.`,
		Example: `  berth images
  berth images --push -o json`,
		Args: cobra.NoArgs,
		RunE: runOptions(o),
	}
	o.app.register(cmd)
	f := cmd.Flags()
	f.StringVar(&o.app.tag, "tag", "", "image tag for all the app's own images ($BERTH_TAG; default: each image's content tag)")
	f.String("registry", "", "registry for the app's own images instead of berth.yaml's ($BERTH_REGISTRY)")
	f.BoolVar(&o.push, "push", false, "build and push the images missing from the registry (images.builder)")
	f.DurationVar(&o.timeout, "timeout", 30*time.Minute, "how long the check and the builds may take")
	o.output = addOutputFlag(cmd, "", []string{"json"}, "output format: json (the list)")
	return cmd
}

// Complete loads the app (settings resolved once) and its images' tags.
func (o *imagesOptions) Complete(cmd *cobra.Command, _ []string) error {
	app, err := o.app.load(cmd, o.globalOptions)
	if err != nil {
		return err
	}
	ov := envs.Overrides{Branch: o.app.branch, Tag: o.app.tag}
	env, err := app.Env(ov, time.Now())
	if err != nil {
		return err
	}
	if err := withContentTags(app, &env, ov); err != nil {
		return err
	}
	o.loaded, o.env = app, env
	return nil
}

// Validate needs a registry to look the images up in.
func (o *imagesOptions) Validate() error {
	if o.loaded.Config.Registry == "" {
		return usageError("no registry for the app's images: set images.registry in %s (or --registry, $BERTH_REGISTRY)", envs.ConfigFile)
	}
	if len(o.loaded.Builds) == 0 {
		return usageError("the app builds no image from source (no compose service has build:)")
	}
	return nil
}

// Run looks the images up (building the missing ones with --push) and
// lists them.
func (o *imagesOptions) Run(parent context.Context) error {
	ctx, cancel := context.WithTimeout(parent, o.timeout)
	defer cancel()
	out := o.info()
	var mu sync.Mutex
	start := time.Now()
	progress := func(e images.Event) {
		if e.Phase == images.PhasePresent || e.Phase == images.PhaseMissing {
			return // the list says it
		}
		mu.Lock()
		defer mu.Unlock()
		printImageEvent(out, fmt.Sprintf("%6.1fs", time.Since(start).Seconds()), imageEvent(e))
	}
	imgs, err := images.Push(ctx, o.env, o.push, images.Options{Config: o.loaded.Config, Builds: o.loaded.Builds, Root: o.loaded.Root, Progress: progress})
	if werr := o.write(imgs); werr != nil {
		return werr
	}
	var missing *images.MissingError
	if errors.As(err, &missing) {
		return &exitCodeError{code: exitUsage, err: err}
	}
	return err
}

// imageView is an image in `berth images -o json`.
type imageView struct {
	Services []string `json:"services"`
	Image    string   `json:"image"` // name without tag, as the registry has it
	Tag      string   `json:"tag"`
	Ref      string   `json:"ref"`
	State    string   `json:"state"`
	Digest   string   `json:"digest,omitempty"`
	Error    string   `json:"error,omitempty"`
}

func (o *imagesOptions) write(imgs []*images.Image) error {
	views := make([]imageView, 0, len(imgs))
	for _, im := range imgs {
		v := imageView{Services: im.Services, Image: strings.TrimSuffix(im.Ref, ":"+im.Tag()), Tag: im.Tag(), Ref: im.Ref, State: string(im.State), Digest: im.Digest}
		if im.Err != nil {
			v.Error = im.Err.Error()
		}
		views = append(views, v)
	}
	if o.output.String() == "json" {
		return writeData(o.streams.out, "json", views)
	}
	cols := []render.Column{{Title: "SERVICES"}, {Title: "IMAGE"}, {Title: "STATE"}, {Title: "DIGEST"}}
	rows := make([]render.Row, len(views))
	for i, v := range views {
		digest := v.Digest
		if v.Error != "" {
			digest = v.Error
		}
		rows[i] = render.Row{Cells: []string{strings.Join(v.Services, ","), v.Ref, v.State, orDash(digest)}}
	}
	return render.WriteText(o.streams.out, cols, rows)
}
