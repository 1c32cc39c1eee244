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

	"github.com/berth-dev/berth/bench/scaleload"
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

// runConvert measures whole-process `berth convert` on every corpus app,
// on generated apps of 50, 60, 100 and 200 services (genapp.Compose: the
// linearity check) and on the realistic app (genapp.Realistic).
func runConvert(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	berth := fs.String("berth", "bin/berth", "the berth binary")
	corpus := fs.String("corpus", "testdata/compose-corpus/awesome-compose", "directory of compose apps")
	runs := fs.Int("runs", 5, "runs per app (median reported)")
	pairRuns := fs.Int("pair-runs", 31, "runs of the per-service comparison: version, generated-60 and the realistic app in turn (medians)")
	realistic := fs.Int("realistic", genapp.DefaultServices, "services of the realistic app (genapp.Realistic)")
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

	_, m, err := buildFloor(ctx, tmp)
	if err != nil {
		return err
	}
	apps, err := corpusApps(*corpus)
	if err != nil {
		return err
	}
	for _, n := range []int{50, generatedPeer, 100, 200} {
		dir := filepath.Join(tmp, "apps", fmt.Sprintf("generated-%d", n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(genapp.Compose(n)), 0o644); err != nil {
			return err
		}
		apps = append(apps, dir)
	}
	real := filepath.Join(tmp, "apps", fmt.Sprintf("realistic-%d", *realistic))
	if err := genapp.WriteRealistic(real, genapp.RealisticOptions{Services: *realistic}); err != nil {
		return err
	}
	apps = append(apps, real)

	// Baseline: the process start cost of the same binary.
	var vs []time.Duration
	for range *runs * 2 {
		r, err := m.run(ctx, command{name: bin, args: []string{"version"}})
		if err != nil {
			return err
		}
		vs = append(vs, r.wall)
	}
	version := scaleload.Median(vs)

	var figs []convertFigures
	for _, dir := range apps {
		f, err := measureConvert(ctx, m, bin, dir, filepath.Join(tmp, "out", filepath.Base(dir)), *runs)
		if err != nil {
			return err
		}
		figs = append(figs, f)
	}
	pair, err := alternated(ctx, m, bin, filepath.Join(tmp, "apps", fmt.Sprintf("generated-%d", generatedPeer)), real,
		filepath.Join(tmp, "out", "pair"), *pairRuns)
	if err != nil {
		return err
	}
	printConvert(figs, version, *runs, pair)
	return nil
}

// pairFigures are the per-service comparison's medians, its commands
// run in turn.
type pairFigures struct {
	runs                   int
	version, peer, realApp time.Duration
}

// alternated runs `version`, the convert of the generated peer and the
// convert of the realistic app in turn, runs times after a warm-up, so
// that the machine's drift (minutes apart in the table) falls on the
// three alike: the per-service ratio divides their differences.
func alternated(ctx context.Context, m measurer, bin, peerDir, realDir, out string, runs int) (pairFigures, error) {
	f := pairFigures{runs: runs}
	var vs, ps, rs []time.Duration
	for i := 0; i <= runs; i++ {
		v, err := m.run(ctx, command{name: bin, args: []string{"version"}})
		if err != nil {
			return f, err
		}
		var walls [2]time.Duration
		for j, dir := range []string{peerDir, realDir} {
			o := filepath.Join(out, strconv.Itoa(i), strconv.Itoa(j))
			r, err := m.run(ctx, convertCommand(bin, dir, o))
			if err != nil {
				return f, fmt.Errorf("convert %s: %w", filepath.Base(dir), err)
			}
			walls[j] = r.wall
		}
		if i == 0 {
			continue // warm-up
		}
		vs, ps, rs = append(vs, v.wall), append(ps, walls[0]), append(rs, walls[1])
	}
	f.version, f.peer, f.realApp = scaleload.Median(vs), scaleload.Median(ps), scaleload.Median(rs)
	return f, nil
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
func measureConvert(ctx context.Context, m measurer, bin, dir, out string, runs int) (convertFigures, error) {
	f := convertFigures{name: filepath.Base(dir)}
	var cs, ks []time.Duration
	for i := 0; i <= runs; i++ {
		o := filepath.Join(out, strconv.Itoa(i))
		r, err := m.run(ctx, convertCommand(bin, dir, o))
		if err != nil {
			return f, fmt.Errorf("convert %s: %w", f.name, err)
		}
		if sm := convertedRE.FindStringSubmatch(r.stdout); sm != nil {
			f.services, _ = strconv.Atoi(sm[1])
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
	f.convert, f.kustomize = scaleload.Median(cs), scaleload.Median(ks)
	return f, nil
}

// convertCommand is `bin convert -o out` in the app directory dir.
func convertCommand(bin, dir, out string) command {
	return command{dir: dir, env: []string{"NO_COLOR=1"}, name: bin, args: []string{"convert", "-o", out}}
}

// generatedPeer is the generated app as large as the realistic one's
// default, for comparing their per-service costs.
const generatedPeer = 60

// kompose's figures for the same job, from issue 16 (kompose 1.38 on this
// machine, medians of 7–9 runs): kompose is not installed here, so they
// are anchors from another run, not baselines of this one.
const (
	komposeConvert = 532 * time.Millisecond // a real 57-service app
	komposeRSS     = 29 << 20
)

// printConvert writes the convert table, the per-service costs and the
// targets.
func printConvert(figs []convertFigures, version time.Duration, runs int, pair pairFigures) {
	fmt.Printf("baseline: `bin/berth version` (process start) = %s; `kubectl kustomize` of the produced dev overlay per app\n", ms(version))
	fmt.Printf("median of %d runs each, fresh output directory per run; RSS is the peak of the convert process\n\n", runs)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "app\tservices\tconvert\tpeak RSS\t÷ version\tkustomize\t÷ kustomize\t")
	for _, f := range figs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.0f MiB\t%s\t%s\t%s\t\n", f.name, f.services, ms(f.convert), mib(f.peakRSS),
			ratio(f.convert, version), ms(f.kustomize), ratio(f.convert, f.kustomize))
	}
	tw.Flush()
	// per-service cost: (convert − version start) ÷ services
	perService := func(f convertFigures) time.Duration { return (f.convert - version) / time.Duration(max(f.services, 1)) }
	byName := map[string]convertFigures{}
	per := map[int]time.Duration{}
	fmt.Println()
	for _, f := range figs {
		byName[f.name] = f
		if n := f.services; n >= 50 && strings.HasPrefix(f.name, "generated-") {
			per[n] = perService(f)
			fmt.Printf("per-service cost at %3d services: %.2f ms (convert − version start, ÷ services)\n", n, msf(per[n]))
		}
	}
	big := byName["generated-200"].convert
	fmt.Printf("target: generated-200 converts in well under 1 s: %s (%s)\n", ms(big), verdict(big < time.Second))
	if per[50] > 0 && per[200] > 0 {
		g := float64(per[200]) / float64(per[50])
		fmt.Printf("target: cost linear in services (per-service cost 200 ÷ 50 ≤ 1.5): %.2f (%s)\n", g, verdict(g <= 1.5))
	}
	for _, f := range figs {
		if !strings.HasPrefix(f.name, "realistic-") {
			continue
		}
		peer := byName[fmt.Sprintf("generated-%d", generatedPeer)]
		fmt.Printf("\n%s (genapp.Realistic: anchors, long env blocks, env_file, configs and a bind-mounted folder, shared and external volumes, healthchecks, 8 depends_on waves):\n", f.name)
		fmt.Printf("  in the table: per-service cost %.2f ms vs generated-%d %.2f ms: ratio %.2f× (measured minutes apart)\n",
			msf(perService(f)), generatedPeer, msf(perService(peer)), float64(perService(f))/float64(max(perService(peer), 1)))
		cost := func(d time.Duration, services int) time.Duration {
			return (d - pair.version) / time.Duration(max(services, 1))
		}
		real, gen := cost(pair.realApp, f.services), cost(pair.peer, peer.services)
		fmt.Printf("  alternated, %d runs each (version %s, generated-%d %s, %s %s): per-service cost %.2f ms vs %.2f ms: ratio %.2f× (target ≤ 2×: %s)\n",
			pair.runs, ms(pair.version), generatedPeer, ms(pair.peer), f.name, ms(pair.realApp), msf(real), msf(gen), float64(real)/float64(max(gen, 1)), verdict(real <= 2*gen))
		fmt.Printf("  target: convert ≤ 250 ms: %s alternated, %s in the table (%s); peak RSS ≤ 50 MiB: %.0f MiB (%s)\n",
			ms(pair.realApp), ms(f.convert), verdict(pair.realApp <= 250*time.Millisecond), mib(f.peakRSS), verdict(f.peakRSS <= 50<<20))
		fmt.Printf("  anchor, kompose 1.38 on a real 57-service app (issue 16; kompose is not installed here): %s, %d MiB: berth ÷ kompose %s, %.2f× RSS (indicative: another run)\n",
			ms(komposeConvert), komposeRSS>>20, ratio(f.convert, komposeConvert), float64(f.peakRSS)/komposeRSS)
	}
}
