package dockerfile

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// StagePlan is one stage the build needs, with its references resolved.
type StagePlan struct {
	Index     int
	Stage     *instructions.Stage
	Base      string     // FROM after meta-arg expansion: an image ref or "scratch"
	BaseStage *StagePlan // set when FROM names an earlier stage
	Deps      []int      // indices of earlier stages this one reads (FROM, COPY --from, RUN --mount from=)
}

// Plan lists the stages a target needs, in file order.
type Plan struct {
	File    *File
	MetaEnv []string // global ARG values visible to FROM and re-declared ARGs, "K=V"
	Stages  []*StagePlan
	Target  *StagePlan
}

// Plan resolves stage references and selects the stages target (a stage name,
// or "" for the last stage) depends on. buildArgs are --build-arg values.
func (f *File) Plan(target string, buildArgs map[string]string) (*Plan, error) {
	ex := NewExpander(f.Escape)
	meta, err := f.metaEnv(ex, buildArgs)
	if err != nil {
		return nil, err
	}
	all := make([]*StagePlan, len(f.Stages))
	for i := range f.Stages {
		sp, err := f.planStage(ex, meta, all[:i], i)
		if err != nil {
			return nil, err
		}
		all[i] = sp
	}
	tgt, err := f.targetStage(all, target)
	if err != nil {
		return nil, err
	}
	p := &Plan{File: f, MetaEnv: meta, Target: tgt}
	need := map[int]bool{}
	markNeeded(all, tgt.Index, need)
	for _, sp := range all {
		if need[sp.Index] {
			p.Stages = append(p.Stages, sp)
		}
	}
	return p, nil
}

func markNeeded(all []*StagePlan, i int, need map[int]bool) {
	if need[i] {
		return
	}
	need[i] = true
	for _, d := range all[i].Deps {
		markNeeded(all, d, need)
	}
}

func (f *File) targetStage(all []*StagePlan, target string) (*StagePlan, error) {
	if target == "" {
		return all[len(all)-1], nil
	}
	var names []string
	for _, sp := range all {
		if strings.EqualFold(sp.Stage.Name, target) {
			return sp, nil
		}
		if sp.Stage.Name != "" {
			names = append(names, sp.Stage.Name)
		}
	}
	return nil, &Error{Path: f.Path, Err: fmt.Errorf("target stage %q not found (stages: %s)", target, strings.Join(names, ", "))}
}

// metaEnv evaluates the ARGs before the first FROM: --build-arg wins over the
// default, and defaults may use earlier meta args.
func (f *File) metaEnv(ex *Expander, buildArgs map[string]string) ([]string, error) {
	env := PredefinedArgs()
	for i := range f.MetaArgs {
		a := &f.MetaArgs[i]
		for _, kv := range a.Args {
			val, ok := buildArgs[kv.Key]
			if !ok && kv.Value != nil {
				v, err := ex.Word(*kv.Value, env)
				if err != nil {
					return nil, f.At(a, err)
				}
				val, ok = v, true
			}
			if ok {
				env = append(env, kv.Key+"="+val)
			}
		}
	}
	return env, nil
}

func (f *File) planStage(ex *Expander, meta []string, earlier []*StagePlan, i int) (*StagePlan, error) {
	st := &f.Stages[i]
	fail := func(err error) error {
		line := 0
		if len(st.Location) > 0 {
			line = st.Location[0].Start.Line
		}
		return &Error{Path: f.Path, Line: line, Instruction: "FROM", Err: err}
	}
	base, err := ex.Word(st.BaseName, meta)
	if err != nil {
		return nil, fail(err)
	}
	if base == "" {
		return nil, fail(fmt.Errorf("base name %q expands to an empty string", st.BaseName))
	}
	if st.Platform != "" {
		p, err := ex.Word(st.Platform, meta)
		if err != nil {
			return nil, fail(err)
		}
		if p != HostPlatform() {
			return nil, fail(fmt.Errorf("--platform=%s: only the host platform %s is supported", p, HostPlatform()))
		}
	}
	sp := &StagePlan{Index: i, Stage: st, Base: base}
	if ref := findStage(earlier, base); ref != nil {
		sp.BaseStage = ref
		sp.Deps = append(sp.Deps, ref.Index)
	}
	deps, err := f.commandDeps(ex, meta, earlier, st)
	if err != nil {
		return nil, err
	}
	sp.Deps = uniqueSorted(append(sp.Deps, deps...))
	return sp, nil
}

// commandDeps finds the earlier stages named by COPY --from and RUN --mount from=.
// A --from that names no stage is an image reference and adds no dependency.
func (f *File) commandDeps(ex *Expander, meta []string, earlier []*StagePlan, st *instructions.Stage) ([]int, error) {
	var deps []int
	for _, c := range st.Commands {
		refs, err := fromRefs(c, func(w string) (string, error) { return ex.Word(w, meta) })
		if err != nil {
			return nil, f.At(c, err)
		}
		for _, name := range refs {
			if ref := findStage(earlier, name); ref != nil {
				deps = append(deps, ref.Index)
			} else if n, err := strconv.Atoi(name); err == nil {
				return nil, f.At(c, fmt.Errorf("--from=%d does not name an earlier stage", n))
			} else if strings.EqualFold(name, st.Name) {
				return nil, f.At(c, fmt.Errorf("--from=%s names the stage itself", name))
			}
		}
	}
	return deps, nil
}

// fromRefs returns the stage or image names a command reads from, expanded.
func fromRefs(c instructions.Command, expand instructions.SingleWordExpander) ([]string, error) {
	switch c := c.(type) {
	case *instructions.CopyCommand:
		if c.From != "" {
			name, err := expand(c.From)
			return []string{name}, err
		}
	case *instructions.RunCommand:
		// RUN mounts are only parsed once expanded; build time expands them again
		// with the stage's full environment.
		if err := c.Expand(expand); err != nil {
			return nil, err
		}
		var refs []string
		for _, m := range instructions.GetMounts(c) {
			if m.From != "" {
				refs = append(refs, m.From)
			}
		}
		return refs, nil
	}
	return nil, nil
}

// findStage resolves a stage name or index among the earlier stages.
func findStage(earlier []*StagePlan, name string) *StagePlan {
	if n, err := strconv.Atoi(name); err == nil {
		if n >= 0 && n < len(earlier) {
			return earlier[n]
		}
		return nil
	}
	for _, sp := range earlier {
		if sp.Stage.Name != "" && strings.EqualFold(sp.Stage.Name, name) {
			return sp
		}
	}
	return nil
}

// FindStage resolves a stage name or index among the plan's stages.
func (p *Plan) FindStage(name string) *StagePlan {
	for _, sp := range p.Stages {
		if strconv.Itoa(sp.Index) == name || (sp.Stage.Name != "" && strings.EqualFold(sp.Stage.Name, name)) {
			return sp
		}
	}
	return nil
}

func uniqueSorted(xs []int) []int {
	sort.Ints(xs)
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}
