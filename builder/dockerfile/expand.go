package dockerfile

import (
	"fmt"
	"runtime"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Expander substitutes $VARS in instruction arguments the way docker does,
// honouring the file's escape token.
type Expander struct{ escape rune }

// NewExpander returns an Expander for a file whose escape token is escape.
func NewExpander(escape rune) *Expander {
	if escape == 0 {
		escape = '\\'
	}
	return &Expander{escape: escape}
}

// Word expands one word against env ("K=V" entries, later ones win).
func (e *Expander) Word(word string, env []string) (string, error) {
	out, _, err := shell.NewLex(e.escape).ProcessWord(word, shell.EnvsFromSlice(env))
	if err != nil {
		return "", fmt.Errorf("expand %q: %w", word, err)
	}
	return out, nil
}

// Command expands, in place, every argument of cmd that docker expands.
// RUN command lines are left alone: the shell inside the container expands them.
func (e *Expander) Command(cmd instructions.Command, env []string) error {
	if ex, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
		if err := ex.Expand(func(w string) (string, error) { return e.Word(w, env) }); err != nil {
			return err
		}
	}
	if ex, ok := cmd.(instructions.SupportsSingleWordExpansionRaw); ok {
		raw := func(w string) (string, error) {
			lex := shell.NewLex(e.escape)
			lex.SkipProcessQuotes = true
			out, _, err := lex.ProcessWord(w, shell.EnvsFromSlice(env))
			return out, err
		}
		if err := ex.ExpandRaw(raw); err != nil {
			return err
		}
	}
	return nil
}

// HostPlatform is the only platform this builder builds for, "linux/amd64" style.
func HostPlatform() string { return "linux/" + runtime.GOARCH }

// PredefinedArgs are the platform ARGs every build defines (docker's
// BUILDPLATFORM, TARGETPLATFORM and friends), as "K=V".
func PredefinedArgs() []string {
	p := HostPlatform()
	return []string{
		"BUILDPLATFORM=" + p, "BUILDOS=linux", "BUILDARCH=" + runtime.GOARCH, "BUILDVARIANT=",
		"TARGETPLATFORM=" + p, "TARGETOS=linux", "TARGETARCH=" + runtime.GOARCH, "TARGETVARIANT=",
	}
}

// proxyArgs may be passed with --build-arg without an ARG declaring them.
var proxyArgs = map[string]bool{
	"HTTP_PROXY": true, "http_proxy": true, "HTTPS_PROXY": true, "https_proxy": true,
	"FTP_PROXY": true, "ftp_proxy": true, "NO_PROXY": true, "no_proxy": true,
	"ALL_PROXY": true, "all_proxy": true,
}

// IsProxyArg reports whether name is one of the predefined proxy ARGs.
func IsProxyArg(name string) bool { return proxyArgs[name] }
