package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/hull-project/hull/builder/cache"
	"github.com/hull-project/hull/builder/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// builder is one build in progress.
type builder struct {
	o       Options
	plan    *dockerfile.Plan
	ex      *dockerfile.Expander
	cache   *cache.Cache
	prog    *progress
	context *buildContext
	stages  map[int]*future
}

// future is a stage being built; done closes when st or err is set.
type future struct {
	done chan struct{}
	st   *stage
	err  error
}

// Build parses the Dockerfile, builds the stages the target needs and stores
// the target as an image (tagged with o.Tags). Nothing runs if the file does
// not parse or plan.
func Build(ctx context.Context, o Options) (*Result, error) {
	if err := checkOptions(&o); err != nil {
		return nil, err
	}
	f, err := dockerfile.ParseFile(o.Dockerfile)
	if err != nil {
		return nil, err
	}
	plan, err := f.Plan(o.Target, o.BuildArgs)
	if err != nil {
		return nil, err
	}
	bctx, err := openContext(o.Context)
	if err != nil {
		return nil, err
	}
	b := &builder{o: o, plan: plan, ex: dockerfile.NewExpander(f.Escape),
		cache: cache.New(o.Store, o.NoCache), prog: newProgress(o.Progress),
		context: bctx, stages: map[int]*future{}}
	for _, w := range f.Warnings {
		fmt.Fprintf(b.prog.w, "WARNING: %s\n", w)
	}
	if unused := unusedBuildArgs(plan, o.BuildArgs); len(unused) > 0 {
		fmt.Fprintf(b.prog.w, "WARNING: build args not consumed by any ARG: %s\n", strings.Join(unused, ", "))
	}
	st, err := b.runStages(ctx)
	if err != nil {
		return nil, err
	}
	return b.commit(st)
}

func checkOptions(o *Options) error {
	if o.Store == nil {
		return errors.New("build: no store")
	}
	if o.Network == "" {
		o.Network = "none"
	}
	if o.Network != "none" && o.Network != "host" {
		return fmt.Errorf("build: --network %q: want none or host", o.Network)
	}
	if o.Runtime == "" {
		return errors.New("build: no OCI runtime given")
	}
	if fi, err := os.Stat(o.Context); err != nil || !fi.IsDir() {
		return fmt.Errorf("build: context %q is not a directory", o.Context)
	}
	return nil
}

// runStages starts every planned stage in its own goroutine; each waits for
// the stages it reads. The first failure cancels the rest.
func (b *builder) runStages(ctx context.Context) (*stage, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	for _, sp := range b.plan.Stages {
		b.stages[sp.Index] = &future{done: make(chan struct{})}
	}
	var wg sync.WaitGroup
	for _, sp := range b.plan.Stages {
		fu := b.stages[sp.Index]
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(fu.done)
			fu.st, fu.err = b.runStage(ctx, sp)
			if fu.err != nil {
				cancel(fu.err)
			}
		}()
	}
	wg.Wait()
	// Report the root cause, not the "cancelled" of the stages stopped because of it.
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return nil, cause
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fu := b.stages[b.plan.Target.Index]
	return fu.st, fu.err
}

// waitStage returns the finished state of stage index i.
func (b *builder) waitStage(ctx context.Context, i int) (*stage, error) {
	fu, ok := b.stages[i]
	if !ok {
		return nil, fmt.Errorf("stage %d is not part of this build", i)
	}
	select {
	case <-fu.done:
		if fu.err != nil {
			return nil, fmt.Errorf("stage %d failed", i)
		}
		return fu.st, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// unusedBuildArgs lists --build-arg names that no ARG of the built stages
// (or of the global scope) declares; proxy args need no declaration.
func unusedBuildArgs(plan *dockerfile.Plan, args map[string]string) []string {
	declared := map[string]bool{"SOURCE_DATE_EPOCH": true}
	addArgs := func(a *instructions.ArgCommand) {
		for _, kv := range a.Args {
			declared[kv.Key] = true
		}
	}
	for i := range plan.File.MetaArgs {
		addArgs(&plan.File.MetaArgs[i])
	}
	for _, sp := range plan.Stages {
		for _, c := range sp.Stage.Commands {
			if a, ok := c.(*instructions.ArgCommand); ok {
				addArgs(a)
			}
		}
	}
	var out []string
	for k := range args {
		if !declared[k] && !dockerfile.IsProxyArg(k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
