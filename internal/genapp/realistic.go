package genapp

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultServices is the size of a Realistic app when none is asked for.
const DefaultServices = 60

// Waves is the depth of a Realistic app's depends_on graph: its services
// start in this many waves.
const Waves = 8

// SharedVolume is the named volume a Realistic app shares between up to
// SharedVolumeUsers services.
const (
	SharedVolume      = "sentry-data"
	SharedVolumeUsers = 20
)

// ExternalVolumes are the Realistic app's `external: true` volumes.
var ExternalVolumes = []string{"sentry-clickhouse", "sentry-kafka", "sentry-postgres", "sentry-redis", "sentry-symbolicator", "sentry-zookeeper"}

// RealisticOptions shape a Realistic app. The zero value is the whole app
// of DefaultServices services, as a user would bring it.
type RealisticOptions struct {
	// Services is the number of services; 0 means DefaultServices. It is at
	// least the skeleton's (MinServices).
	Services int
}

// RealisticApp is a generated app directory: slash-separated paths to
// contents.
type RealisticApp map[string][]byte

// Realistic returns a large app shaped like self-hosted Sentry: YAML
// anchors and extension fields (x-sentry-defaults, <<: *defaults), long
// environment blocks, env_file, configs and a bind-mounted folder of
// files, file secrets, external volumes and one volume shared by many
// services, Waves waves of depends_on (service_healthy, service_started,
// service_completed_successfully), migration and seed one-shots
// (restart: "no"), healthchecks, published ports, a NodePort edge proxy and
// build contexts with a Dockerfile. Names are long and share prefixes
// (snuba-subscription-consumer-events, …-transactions).
func Realistic(o RealisticOptions) (RealisticApp, error) {
	n := o.Services
	if n == 0 {
		n = DefaultServices
	}
	svcs := skeleton()
	if n < len(svcs) {
		return nil, fmt.Errorf("realistic app: %d services asked, the skeleton alone has %d", n, len(svcs))
	}
	svcs = append(svcs, fillers(n-len(svcs))...)
	shareVolume(svcs)
	app := RealisticApp{
		"compose.yaml":                  []byte(composeYAML(svcs)),
		".env":                          []byte("SENTRY_EVENT_RETENTION_DAYS=90\nSENTRY_IMAGE=getsentry/sentry:25.1.0\nSNUBA_IMAGE=getsentry/snuba:25.1.0\n"),
		"sentry/Dockerfile":             []byte("ARG SENTRY_IMAGE\nFROM ${SENTRY_IMAGE}\nCOPY . /usr/src/sentry\nRUN if [ -s /usr/src/sentry/requirements.txt ]; then pip install -r /usr/src/sentry/requirements.txt; fi\n"),
		"sentry/requirements.txt":       []byte("sentry-plugins\n"),
		"sentry/sentry.conf.py":         []byte(sentryConf),
		"sentry/config.yml":             []byte("mail.backend: smtp\nmail.host: smtp\nsystem.internal-url-prefix: http://web:9000\nsymbolicator.enabled: true\nsymbolicator.options:\n  url: http://symbolicator:3021\n"),
		"sentry/enhance-image.sh":       []byte("#!/bin/bash\nset -euo pipefail\n"),
		"sentry/sentry.env":             []byte(envFile("SENTRY", 12)),
		"snuba/snuba.env":               []byte(envFile("SNUBA", 12)),
		"relay/config.yml":              []byte("relay:\n  upstream: http://web:9000/\n  host: 0.0.0.0\n  port: 3000\nprocessing:\n  enabled: true\n  kafka_config:\n    - {name: bootstrap.servers, value: kafka:9092}\n  redis: redis://redis:6379\n"),
		"nginx/nginx.conf":              []byte("events { worker_connections 1024; }\nhttp {\n  upstream relay { server relay:3000; }\n  upstream sentry { server web:9000; }\n  server {\n    listen 80;\n    location /api/store/ { proxy_pass http://relay; }\n    location / { proxy_pass http://sentry; }\n  }\n}\n"),
		"clickhouse/config.xml":         []byte("<clickhouse>\n  <max_server_memory_usage_to_ram_ratio>0.3</max_server_memory_usage_to_ram_ratio>\n</clickhouse>\n"),
		"symbolicator/config.yml":       []byte("cache_dir: /data\nbind: 0.0.0.0:3021\nlogging:\n  level: warn\n"),
		"secrets/secret-key.txt":        []byte("generated-secret-key-not-for-production\n"),
		"secrets/postgres-password.txt": []byte("postgres-password-not-for-production\n"),
	}
	return app, nil
}

// MinServices is the smallest Realistic app: its skeleton.
func MinServices() int { return len(skeleton()) }

// WriteRealistic writes Realistic(o) into dir.
func WriteRealistic(dir string, o RealisticOptions) error {
	app, err := Realistic(o)
	if err != nil {
		return err
	}
	return app.Write(dir)
}

// Write writes the app's files under dir, creating folders as needed.
func (a RealisticApp) Write(dir string) error {
	paths := make([]string, 0, len(a))
	for p := range a {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("write app: %w", err)
		}
		if err := os.WriteFile(full, a[p], 0o644); err != nil {
			return fmt.Errorf("write app: %w", err)
		}
	}
	return nil
}

// BerthQuota is a berth.yaml whose quota allows pods pods and is ample in
// everything else (claims, storage, CPU, memory) for a Realistic app of up
// to a few hundred services.
func BerthQuota(pods int) string {
	return fmt.Sprintf(`# berth.yaml: a quota for the generated app.
quota:
  enabled: true
  hard:
    pods: "%d"
    persistentvolumeclaims: "40"
    requests.storage: 1Ti
    requests.cpu: "64"
    requests.memory: 256Gi
    limits.cpu: "256"
    limits.memory: 1Ti
    services.loadbalancers: "0"
    services.nodeports: "0"
`, pods)
}

const sentryConf = `# sentry.conf.py (generated)
import os
SENTRY_OPTIONS = {}
SENTRY_OPTIONS["system.event-retention-days"] = int(os.environ.get("SENTRY_EVENT_RETENTION_DAYS", "90"))
SENTRY_CACHE = "sentry.cache.redis.RedisCache"
BROKER_URL = "redis://redis:6379"
`

// envFile is an env_file of n variables named after prefix.
func envFile(prefix string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s settings (generated)\n", strings.ToLower(prefix))
	for i := range n {
		fmt.Fprintf(&b, "%s_SETTING_%02d=value-%02d\n", prefix, i, i)
	}
	return b.String()
}
