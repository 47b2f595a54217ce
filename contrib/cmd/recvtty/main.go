// Command recvtty is the other end of `hull create --console-socket`: it
// listens on a unix socket, receives the container's pty master and copies the
// terminal to its own stdio (like runc's contrib/cmd/recvtty).
//
//	recvtty [--mode single|null] [--pid-file FILE] SOCKET
//
// single (the default) serves one container and exits when its terminal
// closes; null serves any number of containers and throws their output away.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
)

func main() {
	mode := flag.String("mode", "single", "single: copy one container's tty to stdio; null: accept any number and discard output")
	pidFile := flag.String("pid-file", "", "write recvtty's pid to this file once listening")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: recvtty [--mode single|null] [--pid-file FILE] SOCKET\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*mode, *pidFile, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "recvtty:", err)
		os.Exit(1)
	}
}

func run(mode, pidFile string, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("want exactly one socket path, got %d arguments", len(args))
	}
	if mode != "single" && mode != "null" {
		return fmt.Errorf("--mode %q: must be single or null", mode)
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: args[0], Net: "unix"})
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer l.Close()
	if pidFile != "" {
		if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			return fmt.Errorf("pid file: %w", err)
		}
	}
	if mode == "null" {
		return serveNull(l, os.Stderr)
	}
	return serveSingle(l, os.Stdin, os.Stdout)
}
