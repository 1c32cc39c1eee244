package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/berth-dev/berth/internal/genapp"
)

// convertFigures are the measured runs of one app.
type convertFigures struct {
	name      string
	services  int
	convert   time.Duration // median wall of bin/berth convert
	peakRSS   int64         // max over runs
	kustomize time.Duration // median wall of kubectl kustomize of the tree
}

// runConvert measures whole-process `berth convert` on every corpus app and
// on generated apps of 50, 100 and 200 services.
func runConvert(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	berth := fs.String("berth", "bin/berth", "the berth binary")
	corpus := fs.String("corpus", "testdata/compose-corpus/awesome-compose", "directory of compose apps")
	runs := fs.Int("runs", 5, "runs per app (median reported)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bin, err := filepath.Abs(*berth)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "berthbench-convert-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	apps, err := corpusApps(*corpus)
	if err != nil {
		return err
	}
	for _, n := range []int{50, 100, 200} {
		dir := filepath.Join(tmp, "apps", fmt.Sprintf("generated-%d", n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(genapp.Compose(n)), 0o644); err != nil {
			return err
		}
		apps = append(apps, dir)
	}

	// Baseline: the process start cost of the same binary.
	var vs []time.Duration
	for range *runs * 2 {
		r, err := command{name: bin, args: []string{"version"}}.run(ctx)
		if err != nil {
			return err
		}
		vs = append(vs, r.wall)
	}
	version := median(vs)

	var figs []convertFigures
	for _, dir := range apps {
		f, err := measureConvert(ctx, bin, dir, filepath.Join(tmp, "out", filepath.Base(dir)), *runs)
		if err != nil {
			return err
		}
		figs = append(figs, f)
	}
	printConvert(figs, version, *runs)
	return nil
}

// corpusApps lists the app directories of the corpus, sorted.
func corpusApps(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("compose corpus: %w", err)
	}
	var apps []string
	for _, e := range ents {
		if e.IsDir() {
			abs, err := filepath.Abs(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			apps = append(apps, abs)
		}
	}
	slices.Sort(apps)
	if len(apps) == 0 {
		return nil, fmt.Errorf("compose corpus %s is empty", dir)
	}
	return apps, nil
}

var convertedRE = regexp.MustCompile(`Converted (\d+) service`)

// measureConvert runs one warm-up and then runs conversions of dir, each
// into a fresh output directory, and kubectl kustomize of the dev overlay.
func measureConvert(ctx context.Context, bin, dir, out string, runs int) (convertFigures, error) {
	f := convertFigures{name: filepath.Base(dir)}
	var cs, ks []time.Duration
	for i := 0; i <= runs; i++ {
		o := filepath.Join(out, strconv.Itoa(i))
		r, err := command{dir: dir, env: []string{"NO_COLOR=1"}, name: bin, args: []string{"convert", "-o", o}}.run(ctx)
		if err != nil {
			return f, fmt.Errorf("convert %s: %w", f.name, err)
		}
		if m := convertedRE.FindStringSubmatch(r.stdout); m != nil {
			f.services, _ = strconv.Atoi(m[1])
		}
		k, err := command{name: "kubectl", args: []string{"kustomize", filepath.Join(o, "overlays", "dev")}}.run(ctx)
		if err != nil {
			return f, fmt.Errorf("kustomize %s: %w", f.name, err)
		}
		if i == 0 {
			continue // warm-up: page cache, binary mapping
		}
		cs, ks = append(cs, r.wall), append(ks, k.wall)
		f.peakRSS = max(f.peakRSS, r.maxRSS)
	}
	f.convert, f.kustomize = median(cs), median(ks)
	return f, nil
}

// printConvert writes the convert table, the per-service cost and targets.
func printConvert(figs []convertFigures, version time.Duration, runs int) {
	fmt.Printf("baseline: `bin/berth version` (process start) = %s; `kubectl kustomize` of the produced dev overlay per app\n", ms(version))
	fmt.Printf("median of %d runs each, fresh output directory per run; RSS is the peak of the convert process\n\n", runs)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "app\tservices\tconvert\tpeak RSS\t÷ version\tkustomize\t÷ kustomize\t")
	for _, f := range figs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.0f MiB\t%s\t%s\t%s\t\n", f.name, f.services, ms(f.convert), float64(f.peakRSS)/(1<<20),
			ratio(f.convert, version), ms(f.kustomize), ratio(f.convert, f.kustomize))
	}
	tw.Flush()
	per := map[int]time.Duration{}
	fmt.Println()
	for _, f := range figs {
		if n := f.services; n >= 50 && strings.HasPrefix(f.name, "generated-") {
			per[n] = (f.convert - version) / time.Duration(n)
			fmt.Printf("per-service cost at %3d services: %.2f ms (convert − version start, ÷ services)\n", n, float64(per[n])/float64(time.Millisecond))
		}
	}
	var big time.Duration
	for _, f := range figs {
		if f.name == "generated-200" {
			big = f.convert
		}
	}
	fmt.Printf("target: generated-200 converts in well under 1 s: %s (%s)\n", ms(big), verdict(big < time.Second))
	if per[50] > 0 && per[200] > 0 {
		g := float64(per[200]) / float64(per[50])
		fmt.Printf("target: cost linear in services (per-service cost 200 ÷ 50 ≤ 1.5): %.2f (%s)\n", g, verdict(g <= 1.5))
	}
}
