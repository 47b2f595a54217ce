package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// StartIdle creates and starts container id from the bundle, whose process
// must keep running (the exec benchmark's bundle sleeps); the caller
// force-deletes it.
func (rt Runtime) StartIdle(id string) (string, error) {
	var s Sample
	pidFile := filepath.Join(rt.Root, id+".pid")
	defer os.Remove(pidFile)
	if _, err := rt.run(&s, "create", "--bundle", rt.Bundle, "--pid-file", pidFile, id); err != nil {
		rt.forceDelete(id)
		return "", err
	}
	if _, err := rt.run(&s, "start", id); err != nil {
		rt.forceDelete(id)
		return "", fmt.Errorf("%s start: %w", rt.Name, err)
	}
	return id, nil
}

// Exec runs args in container id in the foreground and returns how long
// the runtime took, to the process's exit; a non-zero exit is an error.
func (rt Runtime) Exec(id string, args ...string) (time.Duration, error) {
	var s Sample
	return rt.run(&s, append([]string{"exec", id}, args...)...)
}
