package clustertest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/berth-dev/berth/compose"
	"github.com/berth-dev/berth/internal/testcluster"
	"github.com/berth-dev/berth/internal/testcompose"
)

// externalApp shares an external volume between two services and has a
// NodePort Service.
const externalApp = `services:
  api:
    image: app
    ports: ["8000:8000"]
    x-berth: {type: NodePort}
    volumes: ["uploads:/srv/uploads"]
  worker:
    image: app
    volumes: ["uploads:/srv/uploads"]
volumes:
  uploads: {external: true}
`

// TestExternalOverlaysServerDryRun: `kubectl apply --dry-run=server -k`
// of the prod overlay creates no claim and keeps the NodePort, its pods
// referring to the external claim; the dev overlay creates the claim and a
// ClusterIP Service.
func TestExternalOverlaysServerDryRun(t *testing.T) {
	kubeconfig := testcluster.Kubeconfig(t)
	client := testcluster.Client(t)
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl not found: %v", err)
	}
	b := testcompose.Convert(t, "ext", externalApp)
	out := filepath.Join(t.TempDir(), "deploy")
	if err := b.Write(out, compose.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	ns := testcluster.Namespace(t, client, "external")
	for overlay, want := range map[string]struct {
		claim   bool
		svcType string
	}{"prod": {false, "NodePort"}, "dev": {true, "ClusterIP"}} {
		t.Run(overlay, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, kubectl, "apply", "--dry-run=server", "-o", "json", "-n", ns, "-k", filepath.Join(out, "overlays", overlay))
			cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
			res, err := cmd.Output()
			if err != nil {
				t.Fatalf("kubectl apply --dry-run=server -k: %v\n%s", err, res)
			}
			var list struct {
				Items []struct {
					Kind     string `json:"kind"`
					Metadata struct {
						Name string `json:"name"`
					} `json:"metadata"`
					Spec struct {
						Type     string `json:"type"`
						Template struct {
							Spec struct {
								Volumes []struct {
									PVC *struct {
										ClaimName string `json:"claimName"`
									} `json:"persistentVolumeClaim"`
								} `json:"volumes"`
							} `json:"spec"`
						} `json:"template"`
					} `json:"spec"`
				} `json:"items"`
			}
			if err := json.Unmarshal(res, &list); err != nil {
				t.Fatalf("kubectl output: %v\n%s", err, res)
			}
			claims, refs := 0, 0
			for _, o := range list.Items {
				switch o.Kind {
				case "PersistentVolumeClaim":
					claims++
				case "Service":
					if o.Spec.Type != want.svcType {
						t.Errorf("Service %s is %s, want %s", o.Metadata.Name, o.Spec.Type, want.svcType)
					}
				case "Deployment":
					for _, v := range o.Spec.Template.Spec.Volumes {
						if v.PVC != nil && v.PVC.ClaimName == "uploads" {
							refs++
						}
					}
				}
			}
			if got := claims == 1; got != want.claim || claims > 1 {
				t.Errorf("%d claims applied, want the claim uploads created: %v", claims, want.claim)
			}
			if refs != 2 {
				t.Errorf("%d Deployments mount the claim uploads, want api and worker", refs)
			}
		})
	}
}
