package build

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// heredocScript is a RUN heredoc with a #! line: written to a file bind
// mounted at Path and executed directly, so its interpreter runs it.
type heredocScript struct {
	Path string
	Data string
}

const heredocPath = "/.hull-heredoc"

// runArgs turns a RUN's command line (with heredocs, if any) into argv.
//
//	RUN ["a", "b"]          -> a b
//	RUN a b                 -> SHELL "a b"
//	RUN <<EOT ... EOT       -> SHELL "<body>" (or the body itself when it starts with #!)
//	RUN cat <<EOT >f ...    -> SHELL "cat <<EOT >f\n<body>EOT\n": the shell reads the heredoc
func (st *stage) runArgs(c *instructions.RunCommand) ([]string, *heredocScript, error) {
	if len(c.Files) == 0 {
		return st.commandLine(c.ShellDependantCmdLine), nil, nil
	}
	if !c.PrependShell {
		return nil, nil, fmt.Errorf("heredocs need the shell form of RUN")
	}
	line := strings.TrimSpace(strings.Join(c.CmdLine, " "))
	if len(c.Files) == 1 && isBareHeredoc(line, c.Files[0].Name) {
		data := c.Files[0].Data
		if strings.HasPrefix(data, "#!") {
			return []string{heredocPath}, &heredocScript{Path: heredocPath, Data: data}, nil
		}
		return append(st.shell(), data), nil, nil
	}
	var b strings.Builder
	b.WriteString(line)
	for _, f := range c.Files {
		b.WriteString("\n" + f.Data + f.Name + "\n")
	}
	return append(st.shell(), b.String()), nil, nil
}

// isBareHeredoc reports whether the command line is only "<<NAME" (any quoting).
func isBareHeredoc(line, name string) bool {
	rest, ok := strings.CutPrefix(line, "<<")
	if !ok {
		return false
	}
	rest = strings.TrimPrefix(rest, "-")
	return strings.Trim(rest, `"'`) == name
}
