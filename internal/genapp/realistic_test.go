package genapp_test

import (
	"context"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/berth-dev/berth/compose"
	"github.com/berth-dev/berth/internal/genapp"
)

// load writes the app for o and loads it with berth's compose package.
func load(t *testing.T, o genapp.RealisticOptions) *types.Project {
	t.Helper()
	dir := t.TempDir()
	if err := genapp.WriteRealistic(dir, o); err != nil {
		t.Fatal(err)
	}
	p, err := compose.Load(context.Background(), compose.LoadOptions{WorkingDir: dir, ProjectName: "sentry"})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return p
}

// buildDev converts p and builds its dev overlay.
// build converts p and builds one of its kustomizations (base, overlays/dev).
func build(t *testing.T, p *types.Project, dir string) resmap.ResMap {
	t.Helper()
	b, err := compose.Convert(p, compose.Options{})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	fs := filesys.MakeFsInMemory()
	for path, data := range b.Files {
		if err := fs.WriteFile("/out/"+path, data); err != nil {
			t.Fatal(err)
		}
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/out/"+dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	return m
}

// waves returns the number of depends_on levels of p: 1 + the longest
// chain of dependencies.
func waves(t *testing.T, p *types.Project) int {
	t.Helper()
	depth := map[string]int{}
	var visit func(name string, seen map[string]bool) int
	visit = func(name string, seen map[string]bool) int {
		if d, ok := depth[name]; ok {
			return d
		}
		if seen[name] {
			t.Fatalf("depends_on cycle through %s", name)
		}
		seen[name] = true
		d := 0
		for dep := range p.Services[name].DependsOn {
			d = max(d, visit(dep, seen)+1)
		}
		depth[name] = d
		return d
	}
	most := 0
	for name := range p.Services {
		most = max(most, visit(name, map[string]bool{}))
	}
	return most + 1
}

// TestRealisticShape: the default app has the shape the issue describes —
// 60 services in 8 depends_on waves with every condition, 3 one-shots,
// 6 external volumes and one shared by 20 services, long environments —
// and converts and builds.
func TestRealisticShape(t *testing.T) {
	p := load(t, genapp.RealisticOptions{})
	if len(p.Services) != genapp.DefaultServices {
		t.Errorf("%d services, want %d", len(p.Services), genapp.DefaultServices)
	}
	if w := waves(t, p); w != genapp.Waves {
		t.Errorf("%d depends_on waves, want %d", w, genapp.Waves)
	}
	conditions := map[string]int{}
	oneShots, shared, built, longEnv := 0, 0, 0, 0
	for _, s := range p.Services {
		for _, d := range s.DependsOn {
			conditions[d.Condition]++
		}
		if s.Restart == types.RestartPolicyNo {
			oneShots++
		}
		for _, v := range s.Volumes {
			if v.Source == genapp.SharedVolume {
				shared++
			}
		}
		if s.Build != nil {
			built++
		}
		if len(s.Environment) >= 30 {
			longEnv++
		}
	}
	for _, c := range []string{types.ServiceConditionHealthy, types.ServiceConditionStarted, types.ServiceConditionCompletedSuccessfully} {
		if conditions[c] == 0 {
			t.Errorf("no depends_on with condition %s: %v", c, conditions)
		}
	}
	if oneShots != 3 {
		t.Errorf("%d restart: \"no\" one-shots, want 3 (migrations and seed)", oneShots)
	}
	if shared != genapp.SharedVolumeUsers {
		t.Errorf("%s mounted by %d services, want %d", genapp.SharedVolume, shared, genapp.SharedVolumeUsers)
	}
	if built < 3 {
		t.Errorf("%d services with a build context, want at least 3", built)
	}
	if longEnv < genapp.DefaultServices/2 {
		t.Errorf("%d services with 30+ environment variables, want most", longEnv)
	}
	external := 0
	for _, v := range p.Volumes {
		if v.External {
			external++
		}
	}
	if len(p.Volumes) != 16 || external != len(genapp.ExternalVolumes) {
		t.Errorf("%d named volumes, %d external; want 16 and %d", len(p.Volumes), external, len(genapp.ExternalVolumes))
	}

	// base (and prod) refer to the external volumes and keep the NodePort;
	// the dev overlay creates an empty claim per external volume and turns
	// the NodePort into a ClusterIP Service.
	for _, tt := range []struct {
		dir               string
		claims, nodePorts int
	}{
		{"base", 16 - len(genapp.ExternalVolumes), 1},
		{"overlays/dev", 16, 0},
	} {
		kinds := map[string]int{}
		nodePorts := 0
		for _, r := range build(t, p, tt.dir).Resources() {
			kinds[r.GetKind()]++
			if r.GetKind() == "Service" && strings.Contains(mustString(t, r), "type: NodePort") {
				nodePorts++
			}
		}
		if kinds["Deployment"]+kinds["Job"] != genapp.DefaultServices || kinds["Job"] != 3 {
			t.Errorf("%s: %d Deployments and %d Jobs, want %d workloads of which 3 Jobs", tt.dir, kinds["Deployment"], kinds["Job"], genapp.DefaultServices)
		}
		if kinds["PersistentVolumeClaim"] != tt.claims {
			t.Errorf("%s: %d PersistentVolumeClaims, want %d", tt.dir, kinds["PersistentVolumeClaim"], tt.claims)
		}
		if nodePorts != tt.nodePorts {
			t.Errorf("%s: %d NodePort Services, want %d", tt.dir, nodePorts, tt.nodePorts)
		}
	}
}

// TestRealisticOptions: the app grows to the size asked, keeping its
// waves; too small a size is an error.
func TestRealisticOptions(t *testing.T) {
	p := load(t, genapp.RealisticOptions{Services: 130})
	if len(p.Services) != 130 {
		t.Errorf("%d services, want 130", len(p.Services))
	}
	if w := waves(t, p); w != genapp.Waves {
		t.Errorf("%d depends_on waves, want %d", w, genapp.Waves)
	}
	if _, err := genapp.Realistic(genapp.RealisticOptions{Services: genapp.MinServices() - 1}); err == nil {
		t.Errorf("%d services (below the skeleton): no error", genapp.MinServices()-1)
	}
}

func mustString(t *testing.T, r interface{ AsYAML() ([]byte, error) }) string {
	t.Helper()
	y, err := r.AsYAML()
	if err != nil {
		t.Fatal(err)
	}
	return string(y)
}
