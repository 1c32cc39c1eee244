// Command registryd is the OCI registry of berth's tests: go-containerregistry's
// registry (pkg/registry, blobs in memory) served on loopback. It prints
// "listening on HOST:PORT" once it accepts connections and serves until
// killed.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (loopback)")
	verbose := flag.Bool("v", false, "log every request to stderr")
	flag.Parse()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "registryd:", err)
		os.Exit(1)
	}
	out := io.Discard
	if *verbose {
		out = os.Stderr
	}
	srv := &http.Server{Handler: registry.New(registry.Logger(log.New(out, "", log.LstdFlags))), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("listening on %s\n", l.Addr())
	if err := srv.Serve(l); err != nil {
		fmt.Fprintln(os.Stderr, "registryd:", err)
		os.Exit(1)
	}
}
