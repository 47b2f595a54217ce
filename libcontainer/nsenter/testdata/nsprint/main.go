// Command nsprint is the nsenter tests' stand-in for hull's init: hull-nsenter
// execs it, and it prints, as key=value lines, where it ended up.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	for _, ns := range []string{"user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"} {
		link, err := os.Readlink("/proc/self/ns/" + ns)
		if err != nil {
			link = "error: " + err.Error()
		}
		fmt.Printf("ns.%s=%s\n", ns, link)
	}
	fmt.Printf("pid=%d\n", os.Getpid())
	fmt.Printf("uid=%d\ngid=%d\n", os.Getuid(), os.Getgid())
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "NSpid:"); ok {
			fmt.Printf("nspid=%s\n", strings.Join(strings.Fields(v), " "))
		}
	}
	for _, f := range []string{"uid_map", "gid_map", "timens_offsets"} {
		data, _ := os.ReadFile("/proc/self/" + f)
		fmt.Printf("%s=%s\n", f, strings.Join(strings.Fields(string(data)), " "))
	}
	var leaked []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "_HULL_") {
			leaked = append(leaked, kv)
		}
	}
	fmt.Printf("env=%s\n", strings.Join(leaked, ","))
}
