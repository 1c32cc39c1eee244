// Package genapp generates compose apps of any size for benchmarks and the
// tests that keep benchmark inputs honest.
package genapp

import (
	"fmt"
	"strings"
)

// Compose is a compose app of n services: databases with volumes and
// healthchecks, web tiers with ports depending on them, workers calling
// the web tiers, and one-shot migration jobs.
func Compose(n int) string {
	var s strings.Builder
	s.WriteString("services:\n")
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&s, "  db%d:\n    image: postgres:16\n    volumes: [\"data%d:/var/lib/postgresql/data\"]\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready\"]\n      start_period: 10s\n", i, i)
		case 1:
			fmt.Fprintf(&s, "  web%d:\n    image: example/web:%d\n    ports: [\"%d:8080\"]\n    environment:\n      DB_URL: postgres://u:p@db%d:5432/app\n    depends_on:\n      db%d: {condition: service_healthy}\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:8080/health\"]\n", i, i, 10000+i, i-1, i-1)
		case 2:
			fmt.Fprintf(&s, "  worker%d:\n    image: example/worker\n    command: [\"work\", \"--queue\", \"q%d\"]\n    environment: [\"API=http://web%d:8080\"]\n", i, i, i-1)
		default:
			fmt.Fprintf(&s, "  migrate%d:\n    image: example/web:%d\n    command: [\"migrate\"]\n    restart: \"no\"\n", i, i)
		}
	}
	s.WriteString("volumes:\n")
	for i := 0; i < n; i += 4 {
		fmt.Fprintf(&s, "  data%d:\n", i)
	}
	return s.String()
}
