package compose

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestBuildsListTheImagesBuiltFromSource(t *testing.T) {
	b := convertYAML(t, `
services:
  web:
    build: ./web
  migrate:
    build: ./web
  api:
    image: ghcr.io/acme/api:1.0
    build:
      context: ./api
      dockerfile: Dockerfile.prod
      target: runtime
      args: {VERSION: "2", TOKEN: null}
      platforms: [linux/arm64]
  a:
    image: shared
    build: ./shared
  b:
    image: shared
    build: ./shared
  inline:
    build:
      context: .
      dockerfile_inline: "FROM scratch\n"
  remote:
    build: https://github.com/acme/tool.git#main
  db:
    image: postgres:16
`, map[string]string{"web/Dockerfile": "FROM scratch\n", "api/Dockerfile.prod": "FROM scratch\n", "shared/Dockerfile": "FROM scratch\n"})
	byImage := map[string]Build{}
	var order []string
	for _, bd := range b.Builds {
		byImage[bd.Image] = bd
		order = append(order, bd.Image)
	}
	if want := []string{"app-inline", "app-migrate", "app-remote", "app-web", "ghcr.io/acme/api", "shared"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("builds %q, want %q (one per image name, sorted; postgres is not built)", order, want)
	}
	api := byImage["ghcr.io/acme/api"]
	if !strings.HasSuffix(api.Dockerfile, filepath.Join("api", "Dockerfile.prod")) || !strings.HasSuffix(api.Context, "api") ||
		api.Target != "runtime" || *api.Args["VERSION"] != "2" || api.Args["TOKEN"] != nil || !reflect.DeepEqual(api.Platforms, []string{"linux/arm64"}) {
		t.Errorf("api build %+v", api)
	}
	if s := byImage["shared"].Services; !reflect.DeepEqual(s, []string{"a", "b"}) {
		t.Errorf("shared image services %q, want both", s)
	}
	if in := byImage["app-inline"]; in.Inline != "FROM scratch\n" || in.Dockerfile != "" {
		t.Errorf("inline build %+v", in)
	}
	if r := byImage["app-remote"]; !r.Remote || r.Context != "https://github.com/acme/tool.git#main" {
		t.Errorf("remote build %+v", r)
	}
	if w := byImage["app-web"]; !filepath.IsAbs(w.Context) || w.Dockerfile != filepath.Join(w.Context, "Dockerfile") {
		t.Errorf("web build %+v: want an absolute context and its Dockerfile", w)
	}
}
