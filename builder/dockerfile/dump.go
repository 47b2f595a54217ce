package dockerfile

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Dump renders the parsed file in a stable text form, one line per stage and
// per instruction: what the golden tests compare and `builder` prints for debugging.
func (f *File) Dump() string {
	var b strings.Builder
	for _, a := range f.MetaArgs {
		fmt.Fprintf(&b, "meta %s\n", Describe(&a))
	}
	for i, st := range f.Stages {
		fmt.Fprintf(&b, "stage %d name=%q base=%q platform=%q\n", i, st.Name, st.BaseName, st.Platform)
		for _, c := range st.Commands {
			fmt.Fprintf(&b, "  %d %s\n", Line(c), Describe(c))
		}
	}
	return b.String()
}

// Describe renders one command with its parsed arguments.
func Describe(c instructions.Command) string {
	name := strings.ToUpper(c.Name())
	return name + " " + describeArgs(c)
}

func describeArgs(c instructions.Command) string {
	switch c := c.(type) {
	case *instructions.RunCommand:
		return fmt.Sprintf("shell=%v cmd=%q files=%s mounts=%s", c.PrependShell, c.CmdLine, files(c.Files), mounts(c))
	case *instructions.CmdCommand:
		return fmt.Sprintf("shell=%v cmd=%q", c.PrependShell, c.CmdLine)
	case *instructions.EntrypointCommand:
		return fmt.Sprintf("shell=%v cmd=%q", c.PrependShell, c.CmdLine)
	case *instructions.CopyCommand:
		return fmt.Sprintf("from=%q chown=%q chmod=%q link=%v src=%q dest=%q files=%s", c.From, c.Chown, c.Chmod, c.Link, c.SourcePaths, c.DestPath, contents(c.SourceContents))
	case *instructions.AddCommand:
		return fmt.Sprintf("chown=%q chmod=%q checksum=%q src=%q dest=%q", c.Chown, c.Chmod, c.Checksum, c.SourcePaths, c.DestPath)
	case *instructions.EnvCommand:
		return kvs(c.Env)
	case *instructions.LabelCommand:
		return kvs(c.Labels)
	case *instructions.ArgCommand:
		var parts []string
		for _, a := range c.Args {
			parts = append(parts, a.String())
		}
		return strings.Join(parts, " ")
	case *instructions.MaintainerCommand:
		return fmt.Sprintf("%q", c.Maintainer)
	case *instructions.WorkdirCommand:
		return fmt.Sprintf("%q", c.Path)
	case *instructions.UserCommand:
		return fmt.Sprintf("%q", c.User)
	case *instructions.ExposeCommand:
		return fmt.Sprintf("%q", c.Ports)
	case *instructions.VolumeCommand:
		return fmt.Sprintf("%q", c.Volumes)
	case *instructions.ShellCommand:
		return fmt.Sprintf("%q", c.Shell)
	case *instructions.StopSignalCommand:
		return fmt.Sprintf("%q", c.Signal)
	case *instructions.OnbuildCommand:
		return fmt.Sprintf("%q", c.Expression)
	case *instructions.HealthCheckCommand:
		h := c.Health
		return fmt.Sprintf("test=%q interval=%v timeout=%v start=%v retries=%d", h.Test, h.Interval, h.Timeout, h.StartPeriod, h.Retries)
	}
	return fmt.Sprintf("%T", c)
}

func kvs(pairs instructions.KeyValuePairs) string {
	var parts []string
	for _, kv := range pairs {
		parts = append(parts, fmt.Sprintf("%s=%q", kv.Key, kv.Value))
	}
	return strings.Join(parts, " ")
}

func files(fs []instructions.ShellInlineFile) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s:%q", f.Name, f.Data))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func contents(cs []instructions.SourceContent) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s:%q", c.Path, c.Data))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func mounts(c *instructions.RunCommand) string {
	if err := c.Expand(func(w string) (string, error) { return w, nil }); err != nil {
		return "error: " + err.Error()
	}
	var parts []string
	for _, m := range instructions.GetMounts(c) {
		parts = append(parts, fmt.Sprintf("%s:%s:%s->%s", m.Type, m.From, m.Source, m.Target))
	}
	return "[" + strings.Join(parts, " ") + "]"
}
