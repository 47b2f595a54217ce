package build

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hull-project/hull/builder/dockerfile"
	bexec "github.com/hull-project/hull/builder/exec"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// defaultPath is the PATH a RUN gets when the image sets none (docker's).
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// runInstr is RUN: a process in an overlay of the stage's layers, run by the
// OCI runtime; what it writes becomes a layer.
type runInstr struct{ c *instructions.RunCommand }

// runSetup is everything that decides a RUN's result, hence its cache key.
type runSetup struct {
	Args    []string
	Env     []string
	User    string
	Cwd     string
	Network string
	Mounts  []*instructions.Mount
	Script  *heredocScript `json:",omitempty"`
}

func (i *runInstr) apply(ctx context.Context, st *stage, sp *step) error {
	setup, err := st.runSetup(i.c)
	if err != nil {
		return err
	}
	key, err := json.Marshal(setup)
	if err != nil {
		return err
	}
	inputs, err := st.mountInputs(ctx, setup.Mounts)
	if err != nil {
		return err
	}
	var copiedUp []string
	lowers := st.lowers
	return st.addLayer(ctx, sp, layerStep{
		instruction: "RUN " + string(key),
		files:       inputs,
		createdBy:   "RUN " + strings.Join(setup.Args, " "),
		fill: func(ctx context.Context, rootfs string) (err error) {
			copiedUp, err = st.runProcess(ctx, sp, rootfs, setup)
			return err
		},
		unmounted: func(upper string) error {
			return bexec.PruneCopyUps(upper, lowers, copiedUp)
		},
	})
}

func (st *stage) runSetup(c *instructions.RunCommand) (*runSetup, error) {
	args, script, err := st.runArgs(c)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 || args[0] == "" {
		return nil, fmt.Errorf("empty command")
	}
	network, err := st.runNetwork(c)
	if err != nil {
		return nil, err
	}
	if sec := instructions.GetSecurity(c); sec == instructions.SecurityInsecure {
		return nil, fmt.Errorf("--security=insecure is not supported")
	}
	if len(instructions.GetDevices(c)) > 0 {
		return nil, fmt.Errorf("--device is not supported")
	}
	return &runSetup{
		Args: args, Env: st.runEnv(), User: st.cfg.Config.User,
		Cwd: st.cfg.Config.WorkingDir, Network: network,
		Mounts: instructions.GetMounts(c), Script: script,
	}, nil
}

// runNetwork applies RUN --network: "none" always, "host" only when the build
// itself was allowed the host network (builder build --network host), as
// buildkit asks for the network.host entitlement.
func (st *stage) runNetwork(c *instructions.RunCommand) (string, error) {
	switch instructions.GetNetwork(c) {
	case instructions.NetworkNone:
		return "none", nil
	case instructions.NetworkHost:
		if st.b.o.Network != "host" {
			return "", fmt.Errorf("--network=host needs the build to allow it (builder build --network host)")
		}
		return "host", nil
	}
	return st.b.o.Network, nil
}

// runEnv is the process environment: image ENV, then this stage's ARGs and
// proxy build args that ENV does not override, and a default PATH.
func (st *stage) runEnv() []string {
	env := append([]string(nil), st.cfg.Config.Env...)
	for _, a := range st.args {
		k, v, _ := strings.Cut(a, "=")
		if _, ok := lookupEnv(env, k); !ok {
			env = append(env, k+"="+v)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(st.b.o.BuildArgs)) {
		if dockerfile.IsProxyArg(k) {
			if _, ok := lookupEnv(env, k); !ok {
				env = append(env, k+"="+st.b.o.BuildArgs[k])
			}
		}
	}
	if _, ok := lookupEnv(env, "PATH"); !ok {
		env = append(env, "PATH="+defaultPath)
	}
	return env
}

// runProcess runs the step's process in rootfs (the merged overlay).
func (st *stage) runProcess(ctx context.Context, sp *step, rootfs string, setup *runSetup) ([]string, error) {
	user, err := bexec.ResolveUser(rootfs, setup.User)
	if err != nil {
		return nil, err
	}
	mounts, cleanup, err := st.runMounts(ctx, rootfs, setup)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	out := sp.writer()
	defer out.flush()
	return bexec.Run(ctx, bexec.Step{
		Runtime: st.b.o.Runtime,
		ID:      "hull-build-" + randomHex(6),
		Spec: bexec.SpecOptions{
			Rootfs: rootfs, Args: setup.Args, Env: setup.Env, Cwd: setup.Cwd,
			User: user, Hostname: "hull-build", Network: setup.Network, Mounts: mounts,
		},
		Stdout: out, Stderr: out,
	})
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}
