package envs

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestPublishedPorts(t *testing.T) {
	dir := t.TempDir()
	compose := `services:
  web:
    image: nginx
    ports: ["8080:80", "9090", "127.0.0.1:5000:5000", "7000-7001:7000-7001", "5353:53/udp"]
  db:
    image: postgres
    expose: ["5432"]
`
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := PublishedPorts(context.Background(), dir, Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := []PublishedPort{{"web", 8080, 80}, {"web", 5000, 5000}, {"web", 7000, 7000}, {"web", 7001, 7001}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PublishedPorts = %v, want %v", got, want)
	}
	if got, err := PublishedPorts(context.Background(), dir, Config{Base: "k8s"}); err != nil || got != nil {
		t.Errorf("with a kustomize base: %v, %v; want none", got, err)
	}
}
