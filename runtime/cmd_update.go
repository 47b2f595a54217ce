package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/hull-project/hull/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	flag "github.com/spf13/pflag"
)

// updateOpts holds update's flags as typed: values are parsed after, so
// errors name the flag the way runc's do.
type updateOpts struct {
	resources   string
	blkioWeight int
	pidsLimit   int64
	cpus, mems  string
	uints       map[string]*string // cpu-period, cpu-rt-period, cpu-share
	ints        map[string]*string // cpu-quota, cpu-rt-runtime
	sizes       map[string]*string // memory flags, in bytes with units or -1
	l3, memBw   string
	kernel      *int64 // --kernel-memory, parsed only to be warned about
}

func updateFlags(fs *flag.FlagSet) *updateOpts {
	o := &updateOpts{uints: map[string]*string{}, ints: map[string]*string{}, sizes: map[string]*string{}}
	fs.StringVarP(&o.resources, "resources", "r", "", "file with the JSON linux.resources to apply, or - for stdin (other flags are then ignored)")
	fs.IntVar(&o.blkioWeight, "blkio-weight", 0, "per cgroup block io weight, 10 to 1000")
	fs.Int64Var(&o.pidsLimit, "pids-limit", 0, "maximum number of pids in the container")
	fs.StringVar(&o.cpus, "cpuset-cpus", "", "CPUs to use")
	fs.StringVar(&o.mems, "cpuset-mems", "", "memory nodes to use")
	for name, usage := range map[string]string{
		"cpu-period": "CFS period in usecs", "cpu-rt-period": "realtime period in usecs", "cpu-share": "CPU shares",
	} {
		o.uints[name] = fs.String(name, "", usage)
	}
	for name, usage := range map[string]string{
		"cpu-quota": "CFS quota in usecs per period", "cpu-rt-runtime": "realtime runtime in usecs per period",
	} {
		o.ints[name] = fs.String(name, "", usage)
	}
	for name, usage := range map[string]string{
		"memory": "memory limit in bytes", "memory-reservation": "memory soft limit in bytes",
		"memory-swap":   "memory plus swap limit in bytes, -1 for unlimited",
		"kernel-memory": "ignored", "kernel-memory-tcp": "ignored",
	} {
		o.sizes[name] = fs.String(name, "", usage)
	}
	// runc keeps the kernel memory flags for old scripts but ignores them.
	_ = fs.MarkHidden("kernel-memory")
	_ = fs.MarkHidden("kernel-memory-tcp")
	fs.StringVar(&o.l3, "l3-cache-schema", "", "Intel RDT/CAT L3 cache schema (not supported)")
	fs.StringVar(&o.memBw, "mem-bw-schema", "", "Intel RDT/MBA memory bandwidth schema (not supported)")
	return o
}

func cmdUpdate(g *globalOpts, args []string) error {
	fs := newFlags("update")
	o := updateFlags(fs)
	id, err := oneID(fs, args)
	if err != nil {
		return err
	}
	r, err := o.toResources(os.Stdin)
	if err != nil {
		return err
	}
	if nonZero(o.kernel) || (r.Memory != nil && (nonZero(kernelMemory(r.Memory)) || nonZero(r.Memory.KernelTCP))) {
		// runc 1.1 ignores both too: kernel memory accounting is obsolete.
		warnf(g, "kernel memory settings are ignored and will be removed")
		if r.Memory != nil {
			r.Memory.KernelTCP = nil
		}
	}
	return libcontainer.Update(g.root, id, r)
}

// kernelMemory reads the deprecated field only to warn that it is ignored.
func kernelMemory(m *specs.LinuxMemory) *int64 {
	//lint:ignore SA1019 read to tell the user it is ignored, as runc does
	return m.Kernel
}

func nonZero(p *int64) bool { return p != nil && *p != 0 }

// toResources turns the flags, or the --resources JSON, into the
// resources to merge into the container's.
func (o *updateOpts) toResources(stdin io.Reader) (*specs.LinuxResources, error) {
	// Intel RDT needs the resctrl filesystem, which hull does not manage.
	if o.l3 != "" {
		return nil, errors.New("update: --l3-cache-schema: Intel RDT/CAT is not supported by hull")
	}
	if o.memBw != "" {
		return nil, errors.New("update: --mem-bw-schema: Intel RDT/MBA is not supported by hull")
	}
	if o.resources != "" {
		return readResources(o.resources, stdin)
	}
	r := &specs.LinuxResources{Memory: &specs.LinuxMemory{}, CPU: &specs.LinuxCPU{Cpus: o.cpus, Mems: o.mems}}
	if o.blkioWeight != 0 {
		if o.blkioWeight < 10 || o.blkioWeight > 1000 {
			return nil, fmt.Errorf("update: --blkio-weight: %d is out of range 10..1000", o.blkioWeight)
		}
		r.BlockIO = &specs.LinuxBlockIO{Weight: ptrTo(uint16(o.blkioWeight))}
	}
	if o.pidsLimit != 0 {
		r.Pids = &specs.LinuxPids{Limit: ptrTo(o.pidsLimit)}
	}
	if err := o.parseNumbers(r); err != nil {
		return nil, err
	}
	if *r.Memory == (specs.LinuxMemory{}) {
		r.Memory = nil
	}
	if *r.CPU == (specs.LinuxCPU{}) {
		r.CPU = nil
	}
	return r, nil
}

func (o *updateOpts) parseNumbers(r *specs.LinuxResources) error {
	uintDst := map[string]**uint64{"cpu-period": &r.CPU.Period, "cpu-rt-period": &r.CPU.RealtimePeriod, "cpu-share": &r.CPU.Shares}
	for name, val := range o.uints {
		if *val == "" {
			continue
		}
		v, err := strconv.ParseUint(*val, 10, 64)
		if err != nil {
			return fmt.Errorf("update: invalid value for --%s: %w", name, err)
		}
		*uintDst[name] = &v
	}
	intDst := map[string]**int64{"cpu-quota": &r.CPU.Quota, "cpu-rt-runtime": &r.CPU.RealtimeRuntime}
	for name, val := range o.ints {
		if *val == "" {
			continue
		}
		v, err := strconv.ParseInt(*val, 10, 64)
		if err != nil {
			return fmt.Errorf("update: invalid value for --%s: %w", name, err)
		}
		*intDst[name] = &v
	}
	sizeDst := map[string]**int64{
		"memory": &r.Memory.Limit, "memory-reservation": &r.Memory.Reservation, "memory-swap": &r.Memory.Swap,
		"kernel-memory": &o.kernel, "kernel-memory-tcp": &r.Memory.KernelTCP,
	}
	for name, val := range o.sizes {
		if *val == "" {
			continue
		}
		v, err := parseSize(*val)
		if err != nil {
			return fmt.Errorf("update: invalid value for --%s: %w", name, err)
		}
		*sizeDst[name] = &v
	}
	return nil
}

// readResources decodes a JSON LinuxResources from a file or, for "-",
// from stdin.
func readResources(path string, stdin io.Reader) (*specs.LinuxResources, error) {
	in := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("update: --resources: %w", err)
		}
		defer f.Close()
		in = f
	}
	var r specs.LinuxResources
	// Unknown fields are let through: containerd may send a newer spec's.
	if err := json.NewDecoder(in).Decode(&r); err != nil {
		return nil, fmt.Errorf("update: --resources %s: not a JSON linux.resources object: %w", path, err)
	}
	return &r, nil
}

// sizeRE is the syntax of docker's units.RAMInBytes, which runc uses:
// a number, an optional binary unit, optional "i" and "b".
var sizeRE = regexp.MustCompile(`^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$`)

// parseSize reads a byte count such as "512", "64m", "1.5GiB"; "-1" means
// unlimited.
func parseSize(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	m := sizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a size (a number with an optional k, m, g, t or p suffix, or -1)", s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	if m[2] != "" {
		n *= math.Pow(1024, float64(strings.Index("kmgtp", strings.ToLower(m[2]))+1))
	}
	if n >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(n), nil
}

func ptrTo[T any](v T) *T { return &v }

// warnf prints a warning on stderr and into the --log file.
func warnf(g *globalOpts, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(os.Stderr, "hull: warning:", msg)
	if g.log != "" {
		writeLog(g, "warning", msg)
	}
}
