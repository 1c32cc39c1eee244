package compose

import (
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// references records which services others reach by name, and on which
// ports, as seen in environment values, commands and bind-mounted files.
type references struct {
	reached map[string]bool
	ports   map[string]map[int32]bool
}

var (
	urlRef      = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*)://(?:[^\s/@'"]*@)?([A-Za-z0-9_.-]+)(?::(\d{1,5}))?`)
	hostPortRef = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.:/-])([A-Za-z][A-Za-z0-9_.-]*):(\d{1,5})\b`)
)

// schemePorts are default ports of URL schemes found in connection strings.
var schemePorts = map[string]int32{
	"http": 80, "https": 443, "ws": 80, "wss": 443,
	"mysql": 3306, "mariadb": 3306, "postgres": 5432, "postgresql": 5432,
	"redis": 6379, "rediss": 6379, "mongodb": 27017, "amqp": 5672,
	"nats": 4222, "memcached": 11211, "kafka": 9092, "grpc": 50051,
}

// wellKnownPorts are the ports of common images (matched on the last path
// element of the image name, without tag).
var wellKnownPorts = map[string][]int32{
	"postgres": {5432}, "postgis": {5432}, "mysql": {3306}, "mariadb": {3306},
	"redis": {6379}, "redismod": {6379}, "redis-stack-server": {6379}, "valkey": {6379},
	"mongo": {27017}, "memcached": {11211}, "rabbitmq": {5672}, "nats": {4222},
	"elasticsearch": {9200}, "opensearch": {9200}, "minio": {9000}, "kafka": {9092},
	"zookeeper": {2181}, "cassandra": {9042}, "couchdb": {5984}, "influxdb": {8086},
	"nginx": {80}, "httpd": {80}, "mssql/server": {1433}, "azure-sql-edge": {1433},
	"mailhog": {1025, 8025}, "consul": {8500}, "vault": {8200}, "etcd": {2379},
}

// references scans every service for mentions of the others.
func (c *converter) references() *references {
	r := &references{reached: map[string]bool{}, ports: map[string]map[int32]bool{}}
	byHost := map[string]string{}
	for _, name := range c.order {
		byHost[strings.ToLower(name)] = name
		if pl := c.plans[name]; pl != nil {
			byHost[pl.k8s] = name
		}
	}
	add := func(from, host string, port int32) {
		to, ok := byHost[strings.ToLower(host)]
		if !ok || to == from {
			return
		}
		r.reached[to] = true
		if port > 0 {
			if r.ports[to] == nil {
				r.ports[to] = map[int32]bool{}
			}
			r.ports[to][port] = true
		}
	}
	// found memoizes the host:port mentions of a text: many services
	// share environment blocks and bind-mounted folders.
	found := map[string][]mention{}
	scan := func(from, text string) {
		ms, ok := found[text]
		if !ok {
			ms = mentions(text)
			found[text] = ms
		}
		for _, m := range ms {
			add(from, m.host, m.port)
		}
		if _, ok := byHost[strings.ToLower(strings.TrimSpace(text))]; ok {
			add(from, strings.TrimSpace(text), 0)
		}
	}
	for _, name := range c.order {
		s := c.p.Services[name]
		for _, k := range sortedKeys(s.Environment) {
			if v := s.Environment[k]; v != nil {
				scan(name, *v)
			}
		}
		for _, a := range s.Command {
			scan(name, a)
		}
		for _, a := range s.Entrypoint {
			scan(name, a)
		}
		for dep := range s.DependsOn {
			add(name, dep, 0)
		}
		for _, l := range s.Links {
			target, _, _ := strings.Cut(l, ":")
			add(name, target, 0)
		}
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			for _, text := range c.smallTextFiles(v.Source) {
				scan(name, text)
			}
		}
		// config files baked into a built image (nginx.conf next to the
		// Dockerfile) name upstreams too
		if ctx := c.buildContextAbs(s); ctx != "" {
			for _, text := range c.configFilesIn(ctx) {
				scan(name, text)
			}
		}
	}
	return r
}

// mention is a host named in a text, with the port it names (0: none).
type mention struct {
	host string
	port int32
}

// mentions finds the URLs (their scheme's default port when they give
// none) and host:port pairs in text, in order.
func mentions(text string) []mention {
	if strings.IndexByte(text, ':') < 0 { // both patterns need one; most values have none
		return nil
	}
	var out []mention
	for _, m := range urlRef.FindAllStringSubmatch(text, -1) {
		port := schemePorts[strings.ToLower(m[1])]
		if m[3] != "" {
			port = parsePort(m[3])
		}
		out = append(out, mention{m[2], port})
	}
	for _, m := range hostPortRef.FindAllStringSubmatch(text, -1) {
		out = append(out, mention{m[1], parsePort(m[2])})
	}
	return out
}

// smallTextFiles reads a bind-mounted file, or the files directly in a
// bind-mounted directory, that are small enough to be config.
func (c *converter) smallTextFiles(src string) []string {
	const limit = 64 << 10
	fi, err := c.fs.Stat(src)
	if err != nil {
		return nil
	}
	var paths []string
	if fi.IsDir() {
		ents, err := c.fs.ReadDir(src)
		if err != nil || len(ents) > c.o.MaxConfigDirFiles {
			return nil
		}
		for _, e := range ents {
			if !e.IsDir() {
				paths = append(paths, filepath.Join(src, e.Name()))
			}
		}
	} else {
		paths = []string{src}
	}
	var out []string
	for _, p := range paths {
		if fi, err := c.fs.Stat(p); err != nil || fi.Size() > limit || !fi.Mode().IsRegular() {
			continue
		}
		if b, err := c.fs.ReadFile(p); err == nil {
			out = append(out, string(b))
		}
	}
	return out
}

// configExts are the file extensions scanned in build contexts.
var configExts = map[string]bool{".conf": true, ".cfg": true, ".ini": true, ".toml": true, ".yml": true, ".yaml": true, ".json": true, ".env": true, ".properties": true}

// configFilesIn reads the small config files at the top of a build context.
func (c *converter) configFilesIn(dir string) []string {
	ents, err := c.fs.ReadDir(dir)
	if err != nil || len(ents) > 200 {
		return nil
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() || !configExts[strings.ToLower(filepath.Ext(e.Name()))] || e.Name() == "package.json" || strings.HasSuffix(e.Name(), "-lock.json") {
			continue
		}
		out = append(out, c.smallTextFiles(filepath.Join(dir, e.Name()))...)
	}
	return out
}

func parsePort(s string) int32 {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n <= 0 || n > 65535 {
		return 0
	}
	return int32(n)
}

// imagePorts returns the well-known ports of an image reference.
func imagePorts(image string) []int32 {
	name := image
	if i := strings.IndexAny(name, "@"); i >= 0 {
		name = name[:i]
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	if p, ok := wellKnownPorts[name]; ok {
		return p
	}
	parts := strings.Split(name, "/")
	if len(parts) >= 2 {
		if p, ok := wellKnownPorts[strings.Join(parts[len(parts)-2:], "/")]; ok {
			return p
		}
	}
	return wellKnownPorts[parts[len(parts)-1]]
}

func sortedPorts(m map[int32]bool) []int32 {
	out := make([]int32, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// listenRef finds the port a service says it listens on in its own
// environment: ASPNETCORE_URLS=http://+:8000, PORT=8000, 0.0.0.0:8000.
var listenRef = regexp.MustCompile(`(?:\+|\*|0\.0\.0\.0|\[::\]):(\d{1,5})\b`)

// ownPorts infers listening ports from a service's own environment.
func ownPorts(s types.ServiceConfig) []int32 {
	var out []int32
	for _, k := range sortedKeys(s.Environment) {
		v := s.Environment[k]
		if v == nil {
			continue
		}
		if strings.IndexByte(*v, ':') >= 0 { // listenRef needs one
			for _, m := range listenRef.FindAllStringSubmatch(*v, -1) {
				if p := parsePort(m[1]); p > 0 {
					out = append(out, p)
				}
			}
		}
		switch strings.ToUpper(k) {
		case "PORT", "HTTP_PORT", "SERVER_PORT", "LISTEN_PORT", "APP_PORT":
			if p := parsePort(strings.TrimSpace(*v)); p > 0 {
				out = append(out, p)
			}
		}
	}
	return out
}
