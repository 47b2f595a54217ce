package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// fatal reports err the way runc does (stderr, and the --log file in the
// chosen format, which containerd parses as JSON) and exits 1.
func fatal(g *globalOpts, err error) {
	fatalCode(g, err, 1)
}

// fatalCode reports err as fatal does and exits with code.
func fatalCode(g *globalOpts, err error, code int) {
	msg := err.Error()
	fmt.Fprintln(os.Stderr, "hull:", msg)
	if g != nil && g.log != "" {
		writeLog(g, "error", msg)
	}
	os.Exit(code)
}

func writeLog(g *globalOpts, level, msg string) {
	f, err := os.OpenFile(g.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	now := time.Now().Format(time.RFC3339Nano)
	if g.logFormat == "json" {
		line, _ := json.Marshal(map[string]string{"level": level, "msg": msg, "time": now})
		f.Write(append(line, '\n'))
		return
	}
	fmt.Fprintf(f, "time=%q level=%s msg=%q\n", now, level, msg)
}

// debugLog writes a --debug message to the log file, or stderr without one.
func debugLog(g *globalOpts, msg string) {
	if g.log != "" {
		writeLog(g, "debug", msg)
		return
	}
	fmt.Fprintln(os.Stderr, "hull: debug:", msg)
}
