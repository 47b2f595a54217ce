// Command clients runs the real-client scenarios (conformance/clients)
// against a runtime and, side by side, a reference runtime:
//
//	go run ./conformance/cmd/clients --runtime ./bin/hull --compare runc
//
// It prints PASS/FAIL/SKIP per step and runtime, a table per scenario and
// "N passed, N failed, N skipped" for --runtime. It exits 1 when a step
// passes on --compare but fails on --runtime, 2 when it cannot run.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"

	"github.com/spf13/pflag"

	"github.com/hull-project/hull/conformance/clients"
)

func main() {
	runtime := pflag.String("runtime", "hull", "runtime binary under test (path or name in PATH)")
	compare := pflag.String("compare", "runc", "reference runtime (path or name in PATH); empty for none")
	only := pflag.String("run", "", "only run scenarios whose name matches this regexp")
	pflag.Parse()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "clients: the scenarios start private daemons and containers: run as root")
		os.Exit(2)
	}
	test, err := resolve(*runtime)
	if err != nil {
		fmt.Fprintln(os.Stderr, "clients: --runtime:", err)
		os.Exit(2)
	}
	rts := []clients.Runtime{test}
	var ref clients.Runtime
	if *compare != "" {
		if ref, err = resolve(*compare); err != nil {
			fmt.Fprintln(os.Stderr, "clients: --compare:", err)
			os.Exit(2)
		}
		rts = append(rts, ref)
	}
	re, err := regexp.Compile(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "clients: --run:", err)
		os.Exit(2)
	}
	failed := false
	for _, sc := range clients.All() {
		if !re.MatchString(sc.Name) {
			continue
		}
		fmt.Printf("==== %s ====\n", sc.Name)
		outs := sc.Run(os.Stdout, rts)
		if reg := clients.Summary(os.Stdout, outs, test.Name, ref.Name); len(reg) > 0 {
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// resolve finds a runtime binary; its name for the clients is the file's
// base name ("hull", "runc").
func resolve(name string) (clients.Runtime, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return clients.Runtime{}, err
	}
	if path, err = filepath.Abs(path); err != nil {
		return clients.Runtime{}, err
	}
	return clients.Runtime{Name: filepath.Base(path), Path: path}, nil
}
