// Command berthbench is the harness behind `make bench` (bench/run.sh): it
// runs the real bin/berth and kubectl as whole processes and prints each
// figure next to a baseline measured in the same run, with their ratio.
//
//	berthbench convert -berth bin/berth -corpus testdata/compose-corpus/awesome-compose
//	berthbench spinup  -berth bin/berth -kubeconfig K -example examples/shop
//	berthbench apply   -berth bin/berth -kubeconfig K -objects 200
//	berthbench load    -kubeconfig K -namespaces 500 -pods 20   (prints the run id)
//	berthbench unload  -kubeconfig K -run ID
//	berthbench tui     -berth bin/berth -kubeconfig K -run ID   (whole-process CPU and RSS of the live view)
//	berthbench narrow  -kubeconfig K -run ID -out DEV   (a developer's narrow grant on the load, its kubeconfig)
//	berthbench compare -cluster-wide A.json -namespaced B.json   (the live view in both access modes)
//	berthbench forward -berth bin/berth -kubeconfig K   (port-forward round trips vs kubectl port-forward)
//	berthbench images  -example examples/shop -realistic 60 -images 60   (content hash; registry check parallel vs sequential)
//	berthbench changed -berth bin/berth -kubeconfig K -realistic 60   (changed mode vs a full env: time, objects)
//	berthbench startup -berth B -kubeconfig K -example examples/shop   (version, completion, TUI first frame vs a hello floor)
//
// See bench/README.md for how to read the output.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "berthbench: %v\n", err)
		os.Exit(1)
	}
}

// run dispatches on the subcommand.
func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: berthbench convert|spinup|apply|load|unload|tui|forward|images|narrow|compare|changed|startup [flags]")
	}
	cmds := map[string]func(context.Context, []string) error{
		"convert": runConvert,
		"spinup":  runSpinup,
		"apply":   runApply,
		"load":    runLoad,
		"unload":  runUnload,
		"tui":     runTUIBench,
		"forward": runForward,
		"images":  runImages,
		"narrow":  runNarrow,
		"compare": runCompare,
		"changed": runChanged,
		"startup": runStartup,
	}
	f, ok := cmds[args[0]]
	if !ok {
		return fmt.Errorf("unknown subcommand %q", args[0])
	}
	return f(ctx, args[1:])
}
