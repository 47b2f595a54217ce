package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/hull-project/hull/libcontainer"
)

// cmdPs lists the container's processes: --format json prints the host
// pids, table runs ps(1) with the extra arguments (default -ef) and keeps
// its header and the lines of the container's pids, as runc does.
func cmdPs(g *globalOpts, args []string) error {
	fs := newFlags("ps")
	fs.SetInterspersed(false) // everything after the id belongs to ps
	format := fs.StringP("format", "f", "table", "table or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return errors.New("ps: expects a container id, then optional ps arguments")
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("ps: --format %q is not table or json", *format)
	}
	pids, err := libcontainer.Processes(g.root, fs.Arg(0))
	if err != nil {
		return err
	}
	if *format == "json" {
		return json.NewEncoder(os.Stdout).Encode(pids) // compact, as runc prints it
	}
	psArgs := fs.Args()[1:]
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	out, err := exec.Command("ps", psArgs...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ps %s: %w: %s", strings.Join(psArgs, " "), err, out)
	}
	return filterPs(os.Stdout, string(out), pids)
}

// filterPs copies ps output's header and the lines whose PID column holds
// one of pids.
func filterPs(w io.Writer, out string, pids []int) error {
	lines := strings.Split(out, "\n")
	col := slices.Index(strings.Fields(lines[0]), "PID")
	if col < 0 {
		return fmt.Errorf("ps: no PID column in the header %q (add -o pid or use -ef)", lines[0])
	}
	fmt.Fprintln(w, lines[0])
	for _, line := range lines[1:] {
		fields := strings.Fields(line)
		if len(fields) <= col {
			continue
		}
		pid, err := strconv.Atoi(fields[col])
		if err != nil {
			return fmt.Errorf("ps: PID column of %q: %w", line, err)
		}
		if slices.Contains(pids, pid) {
			fmt.Fprintln(w, line)
		}
	}
	return nil
}
