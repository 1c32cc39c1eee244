package envs

import (
	"strings"
	"testing"
)

func TestImagesConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte("images:\n  registry: ghcr.io/acme\n  check: own\n  builder:\n    kind: command\n    command: ./build.sh\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Registry != "ghcr.io/acme" || cfg.Images.CheckMode() != CheckOwn || cfg.Images.Builder.Command != "./build.sh" {
		t.Errorf("config %+v", cfg)
	}
	if cfg, _ := ParseConfig(nil); cfg.Images.CheckMode() != CheckAll || cfg.Images.Builder != nil {
		t.Errorf("defaults: check %q builder %v", cfg.Images.CheckMode(), cfg.Images.Builder)
	}
	for _, c := range []struct{ yaml, want string }{
		{"registry: a.io/x\nimages:\n  registry: b.io/x\n", "line 3: images.registry: \"b.io/x\" differs from registry \"a.io/x\""},
		{"images:\n  check: some\n", "line 2: images.check: \"some\" must be all, own or none"},
		{"images:\n  builder:\n    kind: kaniko\n", "line 3: images.builder.kind: \"kaniko\" must be docker, buildkit or command"},
		{"images:\n  builder:\n    kind: buildkit\n", "images.builder.address: kind buildkit needs the buildkitd address"},
		{"images:\n  builder:\n    kind: command\n", "images.builder.command: kind command needs the command"},
		{"images:\n  builder: {kind: docker, parallel: -1}\n", "images.builder.parallel: must not be negative"},
		{"images:\n  registry: https://ghcr.io\n", "registry: \"https://ghcr.io\" must be a registry host"},
	} {
		_, err := ParseConfig([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.yaml, err, c.want)
		}
	}
}
