package build

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hull-project/hull/builder/dockerfile"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// stage is the state of one stage while its instructions run: the image
// config so far and the layers under it.
type stage struct {
	b      *builder
	plan   *dockerfile.StagePlan
	label  string // progress label, e.g. "build" for a stage named build
	cfg    dockerspec.DockerOCIImage
	layers []ocispec.Descriptor
	chain  digest.Digest // chain id of the top layer, "" for no layers
	lowers []string      // unpacked layer dirs, bottom first
	args   []string      // ARGs declared in this stage, "K=V" (later wins)
	cmdSet bool          // CMD given in this stage (ENTRYPOINT resets an inherited one)
	num    int           // instructions run so far, for [n/total]
	total  int
}

// runStage builds one stage from its base through its last instruction.
func (b *builder) runStage(ctx context.Context, sp *dockerfile.StagePlan) (*stage, error) {
	st := &stage{b: b, plan: sp, label: stageLabel(b.plan, sp)}
	triggers, err := st.from(ctx)
	if err != nil {
		return nil, b.plan.File.AtStage(sp.Stage, err)
	}
	st.total = 1 + len(triggers) + len(sp.Stage.Commands)
	for _, c := range triggers {
		if err := st.exec(ctx, c); err != nil {
			// A trigger has no line of its own: blame the FROM that pulled it in.
			return nil, b.plan.File.AtStage(sp.Stage, fmt.Errorf("ONBUILD trigger %s: %w", fmt.Sprint(c), err))
		}
	}
	for _, c := range sp.Stage.Commands {
		if err := st.exec(ctx, c); err != nil {
			return nil, b.plan.File.At(c, err)
		}
	}
	return st, nil
}

func stageLabel(p *dockerfile.Plan, sp *dockerfile.StagePlan) string {
	if sp.Stage.Name != "" {
		return sp.Stage.Name + " "
	}
	if len(p.Stages) > 1 {
		return fmt.Sprintf("stage-%d ", sp.Index)
	}
	return ""
}

// exec expands and runs one instruction as a numbered progress step.
func (st *stage) exec(ctx context.Context, c instructions.Command) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	st.num++
	if _, ok := c.(*instructions.OnbuildCommand); !ok {
		if err := st.b.ex.Command(c, st.expandEnv()); err != nil {
			return err
		}
	}
	in, err := newInstruction(c)
	if err != nil {
		return err
	}
	sp := st.b.prog.start(fmt.Sprintf("[%s%d/%d] %s", st.label, st.num, st.total, oneLine(fmt.Sprint(c))))
	if err := in.apply(ctx, st, sp); err != nil {
		sp.fail(err)
		return err
	}
	if !sp.ended {
		sp.done()
	}
	return nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\\\n", " ")), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// instruction is one Dockerfile instruction, already expanded.
type instruction interface {
	apply(ctx context.Context, st *stage, sp *step) error
}

func newInstruction(c instructions.Command) (instruction, error) {
	switch c := c.(type) {
	case *instructions.RunCommand:
		return &runInstr{c}, nil
	case *instructions.CopyCommand:
		return &copyInstr{c}, nil
	case *instructions.AddCommand:
		return &addInstr{c}, nil
	case *instructions.EnvCommand:
		return &envInstr{c}, nil
	case *instructions.ArgCommand:
		return &argInstr{c}, nil
	case *instructions.LabelCommand:
		return &labelInstr{c}, nil
	case *instructions.MaintainerCommand:
		return &maintainerInstr{c}, nil
	case *instructions.WorkdirCommand:
		return &workdirInstr{c}, nil
	case *instructions.UserCommand:
		return &userInstr{c}, nil
	case *instructions.ExposeCommand:
		return &exposeInstr{c}, nil
	case *instructions.VolumeCommand:
		return &volumeInstr{c}, nil
	case *instructions.CmdCommand:
		return &cmdInstr{c}, nil
	case *instructions.EntrypointCommand:
		return &entrypointInstr{c}, nil
	case *instructions.ShellCommand:
		return &shellInstr{c}, nil
	case *instructions.StopSignalCommand:
		return &stopSignalInstr{c}, nil
	case *instructions.HealthCheckCommand:
		return &healthcheckInstr{c}, nil
	case *instructions.OnbuildCommand:
		return &onbuildInstr{c}, nil
	}
	return nil, fmt.Errorf("instruction %s is not supported", strings.ToUpper(c.Name()))
}

// expandEnv is what $VARS in instructions see: the stage's ARGs under its ENV
// (ENV wins over an ARG of the same name, as in docker).
func (st *stage) expandEnv() []string {
	return append(append([]string{}, st.args...), st.cfg.Config.Env...)
}

// created is the time written into history and config.
func (st *stage) created() time.Time {
	if e := st.b.o.SourceDateEpoch; e != nil {
		return e.UTC()
	}
	return time.Now().UTC()
}

// history adds a history entry for an instruction that made no layer.
func (st *stage) history(createdBy string, emptyLayer bool) {
	t := st.created()
	st.cfg.History = append(st.cfg.History, ocispec.History{
		Created: &t, CreatedBy: createdBy, Comment: "hull-builder", EmptyLayer: emptyLayer,
	})
}
