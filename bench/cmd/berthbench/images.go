package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/bench/scaleload"
	"github.com/berth-dev/berth/compose"
	"github.com/berth-dev/berth/images"
	"github.com/berth-dev/berth/internal/genapp"
)

// runImages measures the images step's two costs: content-hashing the
// builds (examples/shop and the realistic genapp; cold, then warm with
// the file-digest cache on disk, as every berth up after the first) and
// the registry check of n images, parallel against sequential, on a
// registry on loopback with an added round-trip latency.
func runImages(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("images", flag.ContinueOnError)
	example := fs.String("example", "examples/shop", "example app")
	services := fs.Int("realistic", 60, "services of the generated realistic app")
	n := fs.Int("images", 60, "images in the registry check")
	latency := fs.Duration("latency", 20*time.Millisecond, "round trip added to each registry request (a real registry is not on loopback)")
	runs := fs.Int("runs", 5, "runs (median reported)")
	target := fs.Duration("target", 100*time.Millisecond, "warm content-hash target")
	repo := fs.String("context", ".", "a big context: this directory as one build (a monorepo's root; .git included, as docker would send it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "berthbench-images-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	gen := filepath.Join(tmp, "realistic")
	if err := genapp.WriteRealistic(gen, genapp.RealisticOptions{Services: *services}); err != nil {
		return err
	}
	fmt.Printf("%-28s %8s %8s %8s %6s %s\n", "content hash", "builds", "cold", "warm", "target", "")
	apps := []struct{ name, dir string }{{"example " + filepath.Base(*example), *example}, {fmt.Sprintf("genapp %d services", *services), gen}, {"big context (" + *repo + ")", ""}}
	for _, app := range apps {
		var builds []compose.Build
		if app.dir == "" {
			abs, err := filepath.Abs(*repo)
			if err != nil {
				return err
			}
			builds = []compose.Build{{Image: "big", Context: abs, Inline: "FROM scratch\nCOPY . /src\n"}}
		} else if builds, err = loadBuilds(ctx, app.dir); err != nil {
			return fmt.Errorf("%s: %w", app.name, err)
		}
		cold, warm, err := hashTimes(builds, filepath.Join(tmp, fmt.Sprintf("cache-%d.json", len(app.name))), *runs)
		if err != nil {
			return fmt.Errorf("%s: %w", app.name, err)
		}
		if app.dir == "" { // information: a context as big as a repository
			fmt.Printf("%-28s %8d %8s %8s %6s %s\n", app.name, len(builds), ms1(cold), ms1(warm), "-", "")
			continue
		}
		fmt.Printf("%-28s %8d %8s %8s %6s %s\n", app.name, len(builds), ms1(cold), ms1(warm), ms(*target), verdict(warm < *target))
	}

	host, stop, err := benchRegistry()
	if err != nil {
		return err
	}
	defer stop()
	var refs []string
	for i := range *n {
		ref := fmt.Sprintf("%s/bench/app-%02d:sha-%012d", host, i, i)
		if err := pushRandom(ctx, ref); err != nil {
			return err
		}
		refs = append(refs, ref)
	}
	fmt.Printf("\n%-28s %8s %10s %10s %8s\n", fmt.Sprintf("registry check, %d images", *n), "latency", "sequential", "parallel", "speedup")
	for _, lat := range []time.Duration{0, *latency} {
		seq, par := checkTime(ctx, refs, lat, 1, *runs), checkTime(ctx, refs, lat, images.DefaultCheckParallel, *runs)
		fmt.Printf("%-28s %8s %10s %10s %8s\n", fmt.Sprintf("parallel %d vs 1", images.DefaultCheckParallel), ms(lat), ms(seq), ms(par), ratio(seq, par))
	}
	return nil
}

// loadBuilds converts the compose app in dir and returns its builds.
func loadBuilds(ctx context.Context, dir string) ([]compose.Build, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	p, err := compose.Load(ctx, compose.LoadOptions{WorkingDir: abs})
	if err != nil {
		return nil, err
	}
	b, err := compose.Convert(p, compose.Options{})
	if err != nil {
		return nil, err
	}
	return b.Builds, nil
}

// hashTimes is the median time of the content tags of builds with no
// cache (cold) and with the cache at path written by the run before
// (warm: open, hash, save, as berth up does).
func hashTimes(builds []compose.Build, path string, runs int) (cold, warm time.Duration, err error) {
	var colds, warms []time.Duration
	for range runs {
		_ = os.Remove(path)
		start := time.Now()
		c := images.OpenFileCache(path)
		if _, err := (&images.Hasher{Cache: c}).ContentTags(builds); err != nil {
			return 0, 0, err
		}
		if err := c.Save(); err != nil {
			return 0, 0, err
		}
		colds = append(colds, time.Since(start))
	}
	for i := range runs + 1 {
		start := time.Now()
		c := images.OpenFileCache(path)
		if _, err := (&images.Hasher{Cache: c}).ContentTags(builds); err != nil {
			return 0, 0, err
		}
		if err := c.Save(); err != nil {
			return 0, 0, err
		}
		if i > 0 { // the first run fills the cache
			warms = append(warms, time.Since(start))
		}
	}
	return scaleload.Median(colds), scaleload.Median(warms), nil
}

// benchRegistry serves go-containerregistry's registry on loopback.
func benchRegistry() (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return l.Addr().String(), func() { _ = srv.Close() }, nil
}

// pushRandom pushes a small random image to ref.
func pushRandom(ctx context.Context, ref string) error {
	img, err := random.Image(256, 1)
	if err != nil {
		return err
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return err
	}
	return remote.Write(r, img, remote.WithContext(ctx))
}

// checkTime is the median time to resolve refs with parallel look-ups at
// once, each request delayed by lat.
func checkTime(ctx context.Context, refs []string, lat time.Duration, parallel, runs int) time.Duration {
	var ds []time.Duration
	for range runs {
		imgs := make([]*images.Image, len(refs))
		for i, r := range refs {
			imgs[i] = &images.Image{Ref: r}
		}
		start := time.Now()
		images.Registry{Parallel: parallel, Transport: delayed{lat}}.Resolve(ctx, imgs)
		ds = append(ds, time.Since(start))
		for _, im := range imgs {
			if im.State != images.StatePresent {
				fmt.Fprintf(os.Stderr, "berthbench: %s: %s %v\n", im.Ref, im.State, im.Err)
			}
		}
	}
	return scaleload.Median(ds)
}

// delayed adds a round trip to every request.
type delayed struct{ d time.Duration }

func (t delayed) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.d > 0 {
		select {
		case <-time.After(t.d):
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// ms1 formats a duration in milliseconds with one decimal.
func ms1(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
