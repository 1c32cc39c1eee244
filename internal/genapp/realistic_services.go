package genapp

import "fmt"

// service is one service of a Realistic app, before it is written out.
type service struct {
	name     string
	base     string // the x-<base>-defaults anchor merged in; "" for none
	image    string // when base is ""
	build    bool   // built from ./sentry
	command  []string
	oneShot  bool // restart: "no"
	deps     []dep
	health   []string // healthcheck test
	ports    []string // published
	expose   []string
	volumes  []string // "source:target"
	configs  []string // "name:target"
	secrets  []string
	extraEnv []string // "KEY: value" lines merged over the base's environment
	labels   []string
	replicas int
}

// dep is one depends_on entry.
type dep struct{ name, condition string }

const (
	healthy   = "service_healthy"
	started   = "service_started"
	completed = "service_completed_successfully"
)

// skeleton is the fixed part of a Realistic app, wave by wave (0 to 7):
// data stores; kafka and the pooler; the snuba migration; the sentry
// migration and snuba's API; the seed; web; relay and the worker; the
// edge proxy and the periodic jobs.
func skeleton() []service {
	nginxLabels := []string{"kompose.service.type: nodeport", `kompose.service.nodeport.port: "30900"`}
	return []service{
		// wave 0
		{name: "postgres", image: "postgres:14.11", health: []string{"CMD-SHELL", "pg_isready -U postgres"}, expose: []string{"5432"},
			volumes: []string{"sentry-postgres:/var/lib/postgresql/data"}, secrets: []string{"postgres-password"},
			extraEnv: []string{"POSTGRES_HOST_AUTH_METHOD: trust", "POSTGRES_PASSWORD_FILE: /run/secrets/postgres-password"}},
		{name: "redis", image: "redis:6.2.14-alpine", health: []string{"CMD", "redis-cli", "ping"}, expose: []string{"6379"},
			volumes: []string{"sentry-redis:/data"}},
		{name: "memcached", image: "memcached:1.6.26-alpine", command: []string{"memcached", "-m", "256"}, expose: []string{"11211"}},
		{name: "zookeeper", image: "confluentinc/cp-zookeeper:7.6.1", health: []string{"CMD-SHELL", "echo ruok | nc -w 2 localhost 2181 | grep imok"}, expose: []string{"2181"},
			volumes:  []string{"sentry-zookeeper:/var/lib/zookeeper/data", "sentry-zookeeper-log:/var/lib/zookeeper/log"},
			extraEnv: []string{`ZOOKEEPER_CLIENT_PORT: "2181"`}},
		{name: "clickhouse", image: "clickhouse/clickhouse-server:23.8.11.29-alpine", health: []string{"CMD", "wget", "-q", "-O-", "http://localhost:8123/ping"}, expose: []string{"8123", "9000"},
			volumes: []string{"sentry-clickhouse:/var/lib/clickhouse", "sentry-clickhouse-log:/var/log/clickhouse-server"},
			configs: []string{"clickhouse-config:/etc/clickhouse-server/config.d/sentry.xml"}},
		{name: "smtp", image: "tianon/exim4", expose: []string{"25"},
			volumes: []string{"sentry-smtp:/var/spool/exim4", "sentry-smtp-log:/var/log/exim4"}},
		{name: "symbolicator", image: "getsentry/symbolicator:25.1.0", command: []string{"run", "-c", "/etc/symbolicator/config.yml"}, expose: []string{"3021"},
			volumes: []string{"sentry-symbolicator:/data"}, configs: []string{"symbolicator-config:/etc/symbolicator/config.yml"}},
		// wave 1
		{name: "kafka", image: "confluentinc/cp-kafka:7.6.1", health: []string{"CMD-SHELL", "nc -z localhost 9092"}, expose: []string{"9092"},
			deps:     []dep{{"zookeeper", healthy}},
			volumes:  []string{"sentry-kafka:/var/lib/kafka/data", "sentry-kafka-log:/var/lib/kafka/log"},
			extraEnv: []string{"KAFKA_ZOOKEEPER_CONNECT: zookeeper:2181", "KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://kafka:9092", `KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1"`}},
		{name: "pgbouncer", image: "edoburu/pgbouncer:v1.23.1-p2", health: []string{"CMD-SHELL", "pg_isready -h localhost -p 5432"}, expose: []string{"6432"},
			deps: []dep{{"postgres", healthy}}, extraEnv: []string{"DB_HOST: postgres", "DB_USER: postgres", "AUTH_TYPE: trust"}},
		// wave 2
		{name: "snuba-migrate", base: "snuba", command: []string{"migrations", "migrate", "--force"}, oneShot: true,
			deps: []dep{{"clickhouse", healthy}, {"kafka", healthy}}},
		// wave 3
		{name: "sentry-migrate", base: "sentry", command: []string{"upgrade", "--noinput", "--create-kafka-topics"}, oneShot: true,
			deps: []dep{{"snuba-migrate", completed}, {"pgbouncer", healthy}, {"redis", healthy}}},
		{name: "snuba-api", base: "snuba", command: []string{"api"}, health: []string{"CMD", "wget", "-q", "-O-", "http://localhost:1218/health"}, expose: []string{"1218"},
			deps: []dep{{"snuba-migrate", completed}, {"redis", healthy}}, volumes: []string{"sentry-snuba-tmp:/tmp/snuba"}},
		// wave 4
		{name: "sentry-seed", base: "sentry", command: []string{"createuser", "--email", "admin@example.com", "--superuser", "--no-input", "--force-update"}, oneShot: true,
			deps: []dep{{"sentry-migrate", completed}}},
		// wave 5
		{name: "web", base: "sentry", build: true, command: []string{"run", "web"}, health: []string{"CMD", "curl", "-f", "http://localhost:9000/_health/"},
			ports:    []string{"127.0.0.1:9001:9000"},
			deps:     []dep{{"sentry-seed", completed}, {"snuba-api", healthy}, {"memcached", started}, {"smtp", started}, {"symbolicator", started}},
			extraEnv: []string{`SENTRY_WEB_WORKERS: "4"`, "UWSGI_MAX_REQUESTS: \"10000\""}},
		// wave 6
		{name: "relay", image: "getsentry/relay:25.1.0", command: []string{"run", "--config", "/work/.relay"}, health: []string{"CMD", "/bin/relay", "healthcheck"}, expose: []string{"3000"},
			deps: []dep{{"web", healthy}, {"kafka", healthy}}, configs: []string{"relay-config:/work/.relay/config.yml"},
			volumes: []string{"sentry-relay:/var/lib/relay"}},
		{name: "worker", base: "sentry", build: true, command: []string{"run", "worker", "-c", "4"}, replicas: 2,
			deps: []dep{{"web", healthy}}},
		// wave 7
		{name: "nginx", image: "nginx:1.25.4-alpine", ports: []string{"9000:80"}, health: []string{"CMD", "curl", "-f", "http://localhost/"},
			deps: []dep{{"web", healthy}, {"relay", healthy}}, configs: []string{"nginx-conf:/etc/nginx/nginx.conf"},
			volumes: []string{"sentry-nginx-cache:/var/cache/nginx"}, labels: nginxLabels},
		{name: "cron", base: "sentry", build: true, command: []string{"run", "cron"}, deps: []dep{{"worker", started}}},
		{name: "sentry-cleanup", base: "sentry", command: []string{"cleanup", "--days", "90", "--loop"}, deps: []dep{{"worker", started}}},
		{name: "vroom", image: "getsentry/vroom:25.1.0", expose: []string{"8085"}, volumes: []string{"sentry-vroom:/var/lib/sentry-profiles"},
			deps: []dep{{"relay", healthy}, {"kafka", healthy}}, extraEnv: []string{"SENTRY_KAFKA_BROKERS_PROFILING: kafka:9092", "SENTRY_SNUBA_HOST: http://snuba-api:1218"}},
	}
}

// Names of the services a Realistic app adds beyond its skeleton, taken in
// turn from each list (then again with a numeric suffix).
var (
	snubaConsumers = []string{
		"snuba-errors-consumer", "snuba-outcomes-consumer", "snuba-outcomes-billing-consumer",
		"snuba-group-attributes-consumer", "snuba-replacer", "snuba-transactions-consumer",
		"snuba-replays-consumer", "snuba-issue-occurrence-consumer", "snuba-metrics-consumer",
		"snuba-generic-metrics-distributions-consumer", "snuba-generic-metrics-sets-consumer",
		"snuba-generic-metrics-counters-consumer", "snuba-generic-metrics-gauges-consumer",
		"snuba-profiling-profiles-consumer", "snuba-profiling-functions-consumer",
		"snuba-spans-consumer", "snuba-eap-items-consumer",
	}
	snubaSubscriptions = []string{
		"snuba-subscription-consumer-events", "snuba-subscription-consumer-transactions",
		"snuba-subscription-consumer-metrics", "snuba-subscription-consumer-generic-metrics-sets",
		"snuba-subscription-consumer-generic-metrics-distributions",
		"snuba-subscription-consumer-generic-metrics-counters",
		"snuba-subscription-consumer-generic-metrics-gauges", "snuba-subscription-consumer-eap-items",
	}
	sentryConsumers = []string{
		"events-consumer", "attachments-consumer", "transactions-consumer", "metrics-consumer",
		"generic-metrics-consumer", "billing-metrics-consumer", "ingest-replay-recordings",
		"ingest-occurrences", "ingest-profiles", "ingest-monitors", "ingest-feedback-events",
		"monitors-clock-tick", "monitors-clock-tasks", "uptime-results-consumer",
		"post-process-forwarder-errors", "post-process-forwarder-transactions",
		"post-process-forwarder-issue-platform", "subscription-consumer-events",
		"subscription-consumer-transactions", "subscription-consumer-eap-items",
		"subscription-consumer-metrics", "subscription-consumer-generic-metrics",
		"taskworker", "taskscheduler", "process-spans", "process-segments",
	}
)

// fillers returns n more consumers: snuba's (wave 3, after the migration),
// snuba's subscription consumers (wave 4, once its API is healthy) and
// sentry's (wave 6, once web is healthy), in turn.
func fillers(n int) []service {
	var out []service
	lists := []struct {
		names []string
		make  func(name string) service
	}{
		{sentryConsumers, func(name string) service {
			return service{name: name, base: "sentry", command: []string{"run", "consumer", name, "--consumer-group", "sentry-" + name},
				deps: []dep{{"web", healthy}, {"kafka", healthy}, {"redis", healthy}}}
		}},
		{snubaConsumers, func(name string) service {
			return service{name: name, base: "snuba", command: []string{"rust-consumer", "--storage", name, "--consumer-group", "snuba-consumers", "--no-strict-offset-reset"},
				deps: []dep{{"snuba-migrate", completed}, {"kafka", healthy}}}
		}},
		{snubaSubscriptions, func(name string) service {
			return service{name: name, base: "snuba", command: []string{"subscriptions-scheduler-executor", "--dataset", name, "--consumer-group", "snuba-" + name},
				deps: []dep{{"snuba-api", healthy}, {"kafka", healthy}}}
		}},
	}
	for round := 0; len(out) < n; round++ {
		for i := 0; len(out) < n; i++ {
			added := false
			for _, l := range lists {
				if i >= len(l.names) || len(out) == n {
					continue
				}
				name := l.names[i]
				if round > 0 {
					name = fmt.Sprintf("%s-%d", name, round+1)
				}
				out = append(out, l.make(name))
				added = true
			}
			if !added {
				break
			}
		}
	}
	return out
}

// shareVolume mounts SharedVolume into the first SharedVolumeUsers
// services built on the sentry image.
func shareVolume(svcs []service) {
	users := 0
	for i := range svcs {
		if svcs[i].base == "sentry" && users < SharedVolumeUsers {
			svcs[i].volumes = append(svcs[i].volumes, SharedVolume+":/data")
			users++
		}
	}
}
