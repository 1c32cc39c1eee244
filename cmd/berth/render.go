package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/berth-dev/berth/envs"
	"github.com/berth-dev/berth/rollout"
)

// renderOptions are the flags of the hidden `berth render` command.
type renderOptions struct {
	*globalOptions
	app    appFlags
	output *outputFormat

	objs []*unstructured.Unstructured // set by Complete
}

// newRenderCmd is `berth render`: the objects `berth up` would apply for the
// branch, printed without touching a cluster. Hidden: it exists so the
// benchmarks (bench/) can hand exactly berth's objects to kubectl.
func newRenderCmd(opts *globalOptions) *cobra.Command {
	o := &renderOptions{globalOptions: opts}
	cmd := &cobra.Command{
		Use:    "render",
		Short:  "Print the objects berth up would apply (debugging, benchmarks)",
		Hidden: true,
		Example: `  berth render --branch feature/login > env.yaml
  kubectl apply --server-side -f env.yaml`,
		Args: cobra.NoArgs,
		RunE: runOptions(o),
	}
	o.app.register(cmd)
	cmd.Flags().StringVar(&o.app.tag, "tag", "", "image tag for the app's own images (default: the branch slug)")
	o.output = addOutputFlag(cmd, "yaml", []string{"yaml", "json"}, "output format: yaml (documents separated by ---) or json (a v1 List)")
	return cmd
}

// Complete renders the branch's environment, settings resolved once.
func (o *renderOptions) Complete(cmd *cobra.Command, _ []string) error {
	_, _, objs, err := o.app.render(cmd, o.globalOptions)
	o.objs = objs
	return err
}

// Validate checks that the objects fit the quota as up sizes it (without
// LimitRanges already in the namespace).
func (o *renderOptions) Validate() error {
	_, err := rollout.Preflight(o.objs, nil, nil)
	return err
}

// Run prints the objects, decrypted values redacted (they go to the
// cluster only).
func (o *renderOptions) Run(context.Context) error {
	envs.RedactDecrypted(o.objs)
	if o.output.String() == "json" {
		return writeJSONList(o.streams.out, o.objs)
	}
	return writeYAMLDocs(o.streams.out, o.objs)
}

// writeYAMLDocs prints objects as YAML documents in the order given.
func writeYAMLDocs(w io.Writer, objs []*unstructured.Unstructured) error {
	for i, obj := range objs {
		data, err := yaml.Marshal(obj.Object)
		if err != nil {
			return fmt.Errorf("encode %s/%s: %w", obj.GetKind(), obj.GetName(), err)
		}
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return nil
}

// writeJSONList prints objects as one v1 List.
func writeJSONList(w io.Writer, objs []*unstructured.Unstructured) error {
	items := make([]map[string]any, len(objs))
	for i, obj := range objs {
		items[i] = obj.Object
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"apiVersion": "v1", "kind": "List", "items": items}); err != nil {
		return fmt.Errorf("encode list: %w", err)
	}
	return nil
}
