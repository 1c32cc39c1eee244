package compose

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-dev/berth/meta"
)

func TestProbeMapping(t *testing.T) {
	tests := []struct {
		name, test string
		want       map[string]string // path under the container -> value
	}{
		{"curl", `["CMD", "curl", "-f", "http://localhost:8080/health"]`, map[string]string{
			"readinessProbe.httpGet.path": "/health", "readinessProbe.httpGet.port": "8080", "livenessProbe.httpGet.port": "8080"}},
		{"curl shell with exit", `curl -fsS http://127.0.0.1/ready?x=1 || exit 1`, map[string]string{
			"readinessProbe.httpGet.path": "/ready?x=1", "readinessProbe.httpGet.port": "80"}},
		{"wget https", `["CMD-SHELL", "wget -q --spider https://localhost:8443/"]`, map[string]string{
			"readinessProbe.httpGet.scheme": "HTTPS", "readinessProbe.httpGet.port": "8443"}},
		{"nc", `["CMD", "nc", "-z", "localhost", "5432"]`, map[string]string{
			"readinessProbe.tcpSocket.port": "5432", "livenessProbe.tcpSocket.port": "5432"}},
		{"remote curl stays exec", `["CMD", "curl", "-f", "http://other:80/"]`, map[string]string{
			"readinessProbe.exec.command.0": "curl", "readinessProbe.exec.command.2": "http://other:80/"}},
		{"shell exec", `["CMD-SHELL", "pg_isready -U $$USER"]`, map[string]string{
			"readinessProbe.exec.command.0": "/bin/sh", "readinessProbe.exec.command.2": "pg_isready -U $USER"}},
		{"disabled", `["NONE"]`, map[string]string{"readinessProbe": "", "livenessProbe": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test := tt.test
			if !strings.HasPrefix(test, "[") {
				test = "'" + test + "'"
			}
			b := convertYAML(t, "services:\n  web:\n    image: nginx\n    healthcheck:\n      test: "+test+"\n      interval: 7s\n      retries: 4\n", nil)
			d := object(t, b, "base", "Deployment", "web")
			for path, want := range tt.want {
				if got := get(t, d, "spec.template.spec.containers.[name=web]."+path); got != want {
					t.Errorf("%s = %q, want %q", path, got, want)
				}
			}
			if tt.name != "disabled" {
				if got := get(t, d, "spec.template.spec.containers.[name=web].readinessProbe.periodSeconds"); got != "7" {
					t.Errorf("periodSeconds = %q, want 7", got)
				}
				if got := get(t, d, "spec.template.spec.containers.[name=web].readinessProbe.failureThreshold"); got != "4" {
					t.Errorf("failureThreshold = %q, want 4", got)
				}
			}
		})
	}
}

func TestJobsAndDependsOn(t *testing.T) {
	b := convertYAML(t, `
services:
  db:
    image: postgres:16
  migrate:
    image: app
    command: ["./manage.py", "migrate"]
    depends_on:
      db: {condition: service_healthy}
  seed:
    image: app
    restart: "no"
    command: ["load-fixtures"]
  warm:
    image: app
    restart: on-failure:2
    command: ["warm-cache"]
  api:
    image: app
    ports: ["8000:8000"]
    depends_on:
      migrate: {condition: service_completed_successfully}
      db: {condition: service_started}
`, nil)
	job := object(t, b, "base", "Job", "migrate")
	if got := get(t, job, "metadata.annotations.berth~dev/phase"); got != meta.PhasePreDeploy {
		t.Errorf("migrate phase = %q, want %s", got, meta.PhasePreDeploy)
	}
	if got := get(t, job, "spec.template.spec.restartPolicy"); got != "Never" {
		t.Errorf("restartPolicy = %q", got)
	}
	// A pod taken away by a spot interruption's drain is run again, not
	// counted as the job failing; Kubernetes allows the policy only with
	// restartPolicy Never, so an on-failure Job has none.
	if got := get(t, job, "spec.podFailurePolicy.rules.0.action") + " " + get(t, job, "spec.podFailurePolicy.rules.0.onPodConditions.0.type"); got != "Ignore DisruptionTarget" {
		t.Errorf("migrate podFailurePolicy = %q, want Ignore DisruptionTarget", got)
	}
	warm := object(t, b, "base", "Job", "warm")
	if got := get(t, warm, "spec.template.spec.restartPolicy") + " " + get(t, warm, "spec.podFailurePolicy.rules.0.action"); got != "OnFailure " {
		t.Errorf("warm restartPolicy, podFailurePolicy = %q, want OnFailure and none", got)
	}
	seed := object(t, b, "base", "Job", "seed")
	if got := get(t, seed, "metadata.annotations.berth~dev/phase"); got != "" {
		t.Errorf("seed phase = %q, want none (nobody waits for it)", got)
	}
	api := object(t, b, "base", "Deployment", "api")
	var deps map[string]string
	if err := json.Unmarshal([]byte(get(t, api, "metadata.annotations.berth~dev/depends-on")), &deps); err != nil {
		t.Fatal(err)
	}
	if deps["migrate"] != meta.ConditionCompleted || deps["db"] != meta.ConditionStarted {
		t.Errorf("depends-on = %v", deps)
	}
	if got := get(t, object(t, b, "base", "Service", "db"), "spec.ports.0.port"); got != "5432" {
		t.Errorf("db port from the well-known image = %q, want 5432", got)
	}
	m := build(t, b, "base")
	for _, r := range m.Resources() {
		if r.GetKind() == "Service" && (r.GetName() == "migrate" || r.GetName() == "seed") {
			t.Errorf("Job %s got a Service", r.GetName())
		}
	}
}

func TestPortsAndServices(t *testing.T) {
	b := convertYAML(t, `
services:
  dns:
    image: coredns
    ports: ["53:53/udp", "53:53/tcp", "8080:80"]
  worker:
    image: app
    environment:
      CACHE_URL: redis://cache
      API: http://silent:9000/v1
      PEER: lonely
  cache:
    image: example/kv
  silent:
    image: example/silent
  lonely:
    image: example/lonely
  idle:
    image: example/idle
`, nil)
	dns := object(t, b, "base", "Service", "dns")
	if get(t, dns, "spec.ports.[name=udp-53].protocol") != "UDP" || get(t, dns, "spec.ports.[name=tcp-53].port") != "53" {
		t.Errorf("tcp+udp on 53 not both mapped: %s", get(t, dns, "spec.ports"))
	}
	if get(t, dns, "spec.ports.[name=tcp-80].port") != "80" {
		t.Error("the Service port is the container port")
	}
	if got := get(t, object(t, b, "base", "Service", "cache"), "spec.ports.0.port"); got != "6379" {
		t.Errorf("cache port from redis:// = %q", got)
	}
	if got := get(t, object(t, b, "base", "Service", "silent"), "spec.ports.0.port"); got != "9000" {
		t.Errorf("silent port from URL = %q", got)
	}
	lonely := object(t, b, "base", "Service", "lonely")
	if get(t, lonely, "spec.clusterIP") != "None" {
		t.Error("a service reached by bare name with no port should get a headless Service")
	}
	for _, r := range build(t, b, "base").Resources() {
		if r.GetKind() == "Service" && r.GetName() == "idle" {
			t.Error("an unreferenced service without ports got a Service")
		}
	}
}

func TestVolumes(t *testing.T) {
	b := convertYAML(t, `
services:
  app:
    image: app
    volumes:
      - data:/data
      - ./conf:/etc/app
      - ./single.ini:/etc/single.ini:ro
      - /var/run/docker.sock:/var/run/docker.sock
      - /cache
    tmpfs: ["/scratch:size=64m"]
volumes:
  data:
    x-berth: {size: 5Gi, storageClass: fast}
`, map[string]string{"conf/a.yml": "a: 1\n", "conf/sub/b.yml": "b: 2\n", "single.ini": "x=1\n"})
	d := object(t, b, "base", "Deployment", "app")
	if get(t, d, "spec.strategy.type") != "Recreate" {
		t.Error("a Deployment with a PVC needs Recreate")
	}
	pvc := object(t, b, "base", "PersistentVolumeClaim", "data")
	if get(t, pvc, "spec.resources.requests.storage") != "5Gi" || get(t, pvc, "spec.storageClassName") != "fast" {
		t.Errorf("x-berth size/class not applied: %s", get(t, pvc, "spec"))
	}
	spec := "spec.template.spec"
	mnt := spec + ".containers.[name=app].volumeMounts"
	confVol := get(t, d, mnt+".[mountPath=/etc/app].name")
	if get(t, d, spec+".volumes.[name="+confVol+"].configMap.items.[path=sub/b.yml].key") == "" {
		t.Errorf("nested file of a bind-mounted directory not mapped: %s", get(t, d, spec+".volumes"))
	}
	if get(t, d, mnt+".[mountPath=/etc/single.ini].subPath") != "single.ini" {
		t.Error("bind-mounted file not mounted with subPath")
	}
	scratch := get(t, d, mnt+".[mountPath=/scratch].name")
	if get(t, d, spec+".volumes.[name="+scratch+"].emptyDir.medium") != "Memory" || get(t, d, spec+".volumes.[name="+scratch+"].emptyDir.sizeLimit") != "64Mi" {
		t.Errorf("tmpfs not mapped: %s", get(t, d, spec+".volumes.[name="+scratch+"]"))
	}
	if get(t, d, mnt+".[mountPath=/cache].name") == "" {
		t.Error("anonymous volume not mounted")
	}
	if get(t, d, mnt+".[mountPath=/var/run/docker.sock].name") != "" {
		t.Error("docker.sock must not be mounted")
	}
	if !hasWarning(b, "services.app.volumes.3", "docker socket") {
		t.Errorf("no docker.sock warning: %v", b.Warnings)
	}
	if !hasWarning(b, "services.app.volumes.1", "read-only") {
		t.Error("no warning that a writable bind mount became read-only")
	}
}

func TestSecretsConfigsEnvFiles(t *testing.T) {
	b := convertYAML(t, `
services:
  a:
    image: app
    env_file: [common.env]
    environment: {OWN: "1", OVERRIDE: "x"}
    secrets:
      - token
      - source: token
        target: /etc/token
    configs:
      - source: settings
        target: /etc/settings.json
  b:
    image: app
    env_file: [common.env]
secrets:
  token: {file: ./token.txt}
configs:
  settings: {content: '{"debug": true}'}
`, map[string]string{"common.env": "SHARED=1\nQUOTED=\"a b\"\n# comment\nOVERRIDE=y\n", "token.txt": "s3cr3t"})
	a := object(t, b, "base", "Deployment", "a")
	c := "spec.template.spec.containers.[name=a]"
	envCM := get(t, a, c+".envFrom.0.configMapRef.name")
	bb := object(t, b, "base", "Deployment", "b")
	if envCM == "" || envCM != get(t, bb, "spec.template.spec.containers.[name=b].envFrom.0.configMapRef.name") {
		t.Errorf("env_file must be one ConfigMap shared by a and b")
	}
	cm := object(t, b, "base", "ConfigMap", "env-common-env")
	if get(t, cm, "data.SHARED") != "1" || get(t, cm, "data.QUOTED") != "a b" {
		t.Errorf("env file data wrong: %s", get(t, cm, "data"))
	}
	if get(t, a, c+".env.[name=OVERRIDE].value") != "x" {
		t.Error("environment must override env_file")
	}
	if get(t, a, c+".volumeMounts.[mountPath=/run/secrets/token].subPath") != "token" {
		t.Error("secret not at /run/secrets/token")
	}
	if get(t, a, c+".volumeMounts.[mountPath=/etc/token].subPath") != "token" {
		t.Error("secret target not honoured")
	}
	if get(t, a, c+".volumeMounts.[mountPath=/etc/settings.json].readOnly") != "true" {
		t.Error("config not mounted at its target")
	}
	if get(t, object(t, b, "base", "ConfigMap", "config-settings"), "data.settings") != `{"debug": true}` {
		t.Error("config content not in its ConfigMap")
	}
}

func TestContainerSettings(t *testing.T) {
	b := convertYAML(t, `
x-berth: {}
services:
  app:
    build: ./src
    user: "1000:2000"
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    read_only: true
    hostname: app-host
    extra_hosts: ["db.local=10.0.0.5", "cache.local=10.0.0.5"]
    stop_grace_period: 1m30s
    working_dir: /srv
    entrypoint: ["/bin/run"]
    command: ["echo", "$$(date)"]
    labels:
      kompose.service.type: nodeport
      kompose.service.expose: app.example.com
      team: core
    ports: ["8080:8080"]
    deploy:
      replicas: 2
      resources:
        limits: {cpus: "0.5", memory: 256M}
        reservations: {memory: 128M}
    x-berth:
      replicas: {dev: 1, prod: 4}
    ulimits:
      nofile: 1024
`, map[string]string{"src/Dockerfile": "FROM scratch\n"})
	d := object(t, b, "base", "Deployment", "app")
	c := "spec.template.spec.containers.[name=app]"
	checks := map[string]string{
		c + ".image":                                       "app-app",
		c + ".securityContext.runAsUser":                   "1000",
		c + ".securityContext.runAsGroup":                  "2000",
		c + ".securityContext.capabilities.add.0":          "NET_ADMIN",
		c + ".securityContext.capabilities.drop.0":         "ALL",
		c + ".securityContext.readOnlyRootFilesystem":      "true",
		c + ".workingDir":                                  "/srv",
		c + ".command.0":                                   "/bin/run",
		c + ".args.1":                                      "$$(date)",
		c + ".resources.limits.cpu":                        "500m",
		c + ".resources.limits.memory":                     "256Mi",
		c + ".resources.requests.memory":                   "128Mi",
		"spec.template.spec.hostname":                      "app-host",
		"spec.template.spec.hostAliases.0.ip":              "10.0.0.5",
		"spec.template.spec.hostAliases.0.hostnames.1":     "db.local",
		"spec.template.spec.terminationGracePeriodSeconds": "90",
		"spec.replicas":                                    "2",
		"metadata.annotations.team":                        "core",
		"metadata.annotations.berth~dev/build-context":     "./src",
	}
	for p, want := range checks {
		if got := get(t, d, p); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if got := get(t, object(t, b, "base", "Service", "app"), "spec.type"); got != "NodePort" {
		t.Errorf("kompose.service.type ignored: %q", got)
	}
	if got := get(t, object(t, b, "base", "Ingress", "app"), "spec.rules.0.host"); got != "app.example.com" {
		t.Errorf("kompose.service.expose ignored: %q", got)
	}
	if got := get(t, object(t, b, "overlays/dev", "Deployment", "app"), "spec.replicas"); got != "1" {
		t.Errorf("dev replicas = %q, want 1", got)
	}
	if got := get(t, object(t, b, "overlays/prod", "Deployment", "app"), "spec.replicas"); got != "4" {
		t.Errorf("prod replicas = %q, want 4", got)
	}
	if !hasWarning(b, "services.app.ulimits", "not mapped") {
		t.Errorf("unmapped ulimits not warned: %v", b.Warnings)
	}
	for _, w := range b.Warnings {
		if w.Key == "services.app.ulimits" && (w.File != "compose.yaml" || w.Line != 28) {
			t.Errorf("ulimits warning at %s, want compose.yaml:28", w.Position())
		}
	}
	var found bool
	for _, r := range build(t, b, "base").Resources() {
		if r.GetKind() == "Deployment" {
			continue
		}
		if r.GetName() == "app" {
			found = true
		}
	}
	if !found {
		t.Error("no Service for app")
	}
}

func TestWaitInitContainers(t *testing.T) {
	yml := `
services:
  db: {image: "postgres:16"}
  migrate: {image: app, command: [migrate]}
  api:
    image: app
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
`
	dir, _ := project(t, yml, nil)
	p, err := Load(context.Background(), LoadOptions{WorkingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, wait := range []bool{false, true} {
		b, err := Convert(p, Options{WaitInit: wait})
		if err != nil {
			t.Fatal(err)
		}
		api := object(t, b, "base", "Deployment", "api")
		cmd := get(t, api, "spec.template.spec.initContainers.[name=wait-db].command.2")
		if wait && !strings.Contains(cmd, "nc -z -w 2 db 5432") {
			t.Errorf("wait-db init container = %q", cmd)
		}
		if !wait && cmd != "" {
			t.Error("init containers added without WaitInit")
		}
		if get(t, api, "spec.template.spec.initContainers.[name=wait-migrate]") != "" {
			t.Error("a Job dependency cannot be awaited over TCP")
		}
		if !hasWarning(b, "services.api.depends_on.db", "no healthcheck") {
			t.Errorf("service_healthy on a service without healthcheck not warned: %v", b.Warnings)
		}
	}
}

func TestWorkloadKindsAndExtensions(t *testing.T) {
	b := convertYAML(t, `
services:
  agent:
    image: agent
    deploy: {mode: global}
  store:
    image: example/store
    ports: ["7000:7000"]
    x-berth: {controller: statefulset}
  notify:
    image: app
    command: [notify]
    x-berth: {phase: post-deploy}
  web:
    image: app
    ports: ["8080:8080"]
    x-berth:
      type: LoadBalancer
      ingress: {host: web.example.com, path: /app, tlsSecret: web-tls, className: nginx}
      replicas: 3
  odd:
    image: app
    ports: ["1:1"]
    x-berth: {controller: cronjob, bogus: 1}
`, nil)
	object(t, b, "base", "DaemonSet", "agent")
	sts := object(t, b, "base", "StatefulSet", "store")
	if get(t, sts, "spec.serviceName") != "store" {
		t.Error("StatefulSet needs its governing Service name")
	}
	if got := get(t, object(t, b, "base", "Job", "notify"), "metadata.annotations.berth~dev/phase"); got != meta.PhasePostDeploy {
		t.Errorf("x-berth phase = %q", got)
	}
	if got := get(t, object(t, b, "base", "Service", "web"), "spec.type"); got != "LoadBalancer" {
		t.Errorf("x-berth type = %q", got)
	}
	ing := object(t, b, "base", "Ingress", "web")
	for p, want := range map[string]string{
		"spec.rules.0.host": "web.example.com", "spec.rules.0.http.paths.0.path": "/app",
		"spec.rules.0.http.paths.0.backend.service.port.name": "tcp-8080",
		"spec.tls.0.secretName":                               "web-tls", "spec.ingressClassName": "nginx",
	} {
		if got := get(t, ing, p); got != want {
			t.Errorf("ingress %s = %q, want %q", p, got, want)
		}
	}
	for _, ov := range []string{"overlays/dev", "overlays/prod"} {
		if got := get(t, object(t, b, ov, "Deployment", "web"), "spec.replicas"); got != "3" {
			t.Errorf("%s replicas = %q, want 3", ov, got)
		}
	}
	if !hasWarning(b, "services.odd.x-berth", "bogus") {
		t.Errorf("unknown x-berth field not warned: %v", b.Warnings)
	}
	object(t, b, "base", "Deployment", "odd")
}

func TestNameCollisions(t *testing.T) {
	b := convertYAML(t, `
services:
  kustomization:
    image: app
    ports: ["80:80"]
    env_file: [common.env]
    volumes: ["./env/common.env:/etc/common.env:ro"]
  My_Service:
    image: app
    ports: ["81:81"]
  my-service:
    image: app
    ports: ["82:82"]
`, map[string]string{"common.env": "A=1\n", "env/common.env": "B=2\n"})
	if _, ok := b.Files["base/kustomization-service.yaml"]; !ok {
		t.Errorf("service named kustomization must not shadow the kustomization: %v", b.Paths())
	}
	d := object(t, b, "base", "Deployment", "kustomization")
	c := "spec.template.spec.containers.[name=kustomization]"
	envCM := get(t, d, c+".envFrom.0.configMapRef.name")
	mountCM := get(t, d, "spec.template.spec.volumes.[name="+get(t, d, c+".volumeMounts.[mountPath=/etc/common.env].name")+"].configMap.name")
	if envCM == "" || envCM == mountCM {
		t.Errorf("env file and bind mount share ConfigMap %q", envCM)
	}
	if !hasWarning(b, "services.My_Service", "renamed") {
		t.Errorf("rename of My_Service not warned: %v", b.Warnings)
	}
	m := build(t, b, "base")
	seen := map[string]bool{}
	for _, r := range m.Resources() {
		if r.GetKind() == "Deployment" {
			if seen[r.GetName()] {
				t.Errorf("duplicate Deployment %s", r.GetName())
			}
			seen[r.GetName()] = true
		}
	}
	if len(seen) != 3 {
		t.Errorf("want 3 Deployments, got %v", seen)
	}
}

// An optional dependency that is not converted (its profile is off) is
// dropped with a warning, not carried into an ordering berth up cannot
// meet; depends_on restart is warned, not silently ignored.
func TestOptionalAndRestartDependencies(t *testing.T) {
	b := convertYAML(t, `
services:
  web:
    image: nginx
    depends_on:
      cache: {condition: service_started, required: false}
      db: {condition: service_healthy, restart: true}
  db:
    image: postgres:16
    healthcheck: {test: ["CMD", "pg_isready"]}
  cache:
    image: redis
    profiles: [extra]
`, nil)
	var deps map[string]string
	if err := json.Unmarshal([]byte(get(t, object(t, b, "base", "Deployment", "web"), "metadata.annotations.berth~dev/depends-on")), &deps); err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 || deps["db"] != meta.ConditionHealthy {
		t.Errorf("depends-on = %v, want only db", deps)
	}
	if !hasWarning(b, "services.web.depends_on.cache", "optional dependency cache") {
		t.Errorf("dropped optional dependency not warned: %v", b.Warnings)
	}
	if !hasWarning(b, "services.web.depends_on.db.restart", "not restarted") {
		t.Errorf("depends_on restart not warned: %v", b.Warnings)
	}
}
