package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// File is a parsed Dockerfile.
type File struct {
	Path     string
	Escape   rune // the escape token chosen by the file's directive
	MetaArgs []instructions.ArgCommand
	Stages   []instructions.Stage
	Warnings []string
}

// ParseFile reads and parses the Dockerfile at path.
func ParseFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read Dockerfile: %w", err)
	}
	return Parse(path, data)
}

// Parse parses Dockerfile text; path only names the file in errors.
func Parse(path string, data []byte) (*File, error) {
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, &Error{Path: path, Line: lineOf(err), Err: innermost(err)}
	}
	f := &File{Path: path, Escape: res.EscapeToken}
	for _, w := range res.Warnings {
		f.Warnings = append(f.Warnings, w.Short)
	}
	for _, n := range res.AST.Children {
		if err := f.add(n); err != nil {
			return nil, err
		}
	}
	if len(f.Stages) == 0 {
		return nil, &Error{Path: path, Err: errors.New("no FROM instruction: a Dockerfile needs at least one stage")}
	}
	return f, nil
}

// add parses one instruction node and files it under the current stage.
func (f *File) add(n *parser.Node) error {
	name := strings.ToUpper(n.Value)
	fail := func(err error) error {
		return &Error{Path: f.Path, Line: n.StartLine, Instruction: name, Err: innermost(err)}
	}
	v, err := instructions.ParseInstruction(n)
	if err != nil {
		return fail(err)
	}
	switch c := v.(type) {
	case *instructions.Stage:
		f.Stages = append(f.Stages, *c)
	case *instructions.ArgCommand:
		if len(f.Stages) == 0 {
			f.MetaArgs = append(f.MetaArgs, *c)
			return nil
		}
		f.Stages[len(f.Stages)-1].AddCommand(c)
	case instructions.Command:
		if len(f.Stages) == 0 {
			return fail(errors.New("only ARG may come before the first FROM"))
		}
		f.Stages[len(f.Stages)-1].AddCommand(c)
	default:
		return fail(fmt.Errorf("unsupported instruction type %T", v))
	}
	return nil
}

// ParseTrigger parses one ONBUILD trigger expression (from a base image's
// config) into a command; origin names where it came from in errors.
func ParseTrigger(origin, expr string) (instructions.Command, error) {
	res, err := parser.Parse(strings.NewReader(expr))
	if err != nil {
		return nil, &Error{Path: origin, Instruction: "ONBUILD", Err: innermost(err)}
	}
	if len(res.AST.Children) != 1 {
		return nil, &Error{Path: origin, Instruction: "ONBUILD", Err: fmt.Errorf("trigger %q is not one instruction", expr)}
	}
	n := res.AST.Children[0]
	cmd, err := instructions.ParseCommand(n)
	if err != nil {
		return nil, &Error{Path: origin, Instruction: "ONBUILD " + strings.ToUpper(n.Value), Err: innermost(err)}
	}
	return cmd, nil
}

// Line returns the first source line of a command, or 0.
func Line(c instructions.Command) int {
	if loc := c.Location(); len(loc) > 0 {
		return loc[0].Start.Line
	}
	return 0
}

// At wraps err with the Dockerfile position of command c.
func (f *File) At(c instructions.Command, err error) error {
	if err == nil {
		return nil
	}
	var de *Error
	if errors.As(err, &de) {
		return err
	}
	return &Error{Path: f.Path, Line: Line(c), Instruction: strings.ToUpper(c.Name()), Err: err}
}

// AtStage wraps err with the position of a stage's FROM line.
func (f *File) AtStage(st *instructions.Stage, err error) error {
	if err == nil {
		return nil
	}
	var de *Error
	if errors.As(err, &de) {
		return err
	}
	line := 0
	if len(st.Location) > 0 {
		line = st.Location[0].Start.Line
	}
	return &Error{Path: f.Path, Line: line, Instruction: "FROM", Err: err}
}
