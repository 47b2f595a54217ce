package integration

// Escape class 6: a co-tenant reaching a created container's init through
// /proc (CVE-2016-9962).

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// capsOf reads CapPrm and CapEff of every task of pid.
func capsOf(t *testing.T, pid int) map[int][2]string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][2]string{}
	for _, task := range tasks {
		tid, err := strconv.Atoi(task.Name())
		if err != nil {
			continue
		}
		status := filepath.Join(dir, task.Name(), "status")
		prm, err1 := procStatusField(status, "CapPrm")
		eff, err2 := procStatusField(status, "CapEff")
		if err1 != nil || err2 != nil {
			continue // the thread exited
		}
		out[tid] = [2]string{prm, eff}
	}
	return out
}

// specCapMask is the capability mask of the default spec's set.
const specCapMask = 1<<unix.CAP_AUDIT_WRITE | 1<<unix.CAP_KILL | 1<<unix.CAP_NET_BIND_SERVICE

// cotenantScript runs in container A: once the test names a process of
// its pid namespace (B's created init), it attacks it through /proc the way
// any process of A could, and writes what worked. The control is the same
// attack on a dumpable process of A's own.
const cotenantScript = `while [ ! -s /shared/trigger ]; do usleep 20000; done
P=$(cat /shared/trigger)
{
echo "comm=$(cat /proc/$P/comm 2>&1)"
echo "memr=$(cat /proc/$P/mem 2>&1 >/dev/null | head -n1)"
echo "memw=$(dd if=/dev/zero of=/proc/$P/mem bs=1 count=1 conv=notrunc 2>&1 | head -n1)"
echo "maps=$(head -n1 /proc/$P/maps 2>&1)"
echo "fd=$(ls -l /proc/$P/fd/ 2>&1 | tr '\n' ' ')"
echo "root=$(ls /proc/$P/root/ 2>&1 | tr '\n' ' ')"
echo "cwd=$(ls /proc/$P/cwd/ 2>&1 | tr '\n' ' ')"
echo "exe=$(ls -l /proc/$P/exe 2>&1)"
echo "environ=$(cat /proc/$P/environ 2>&1 | tr '\0' ' ' | head -c 200)"
start=$(head -n1 /proc/$P/maps 2>/dev/null | cut -d- -f1)
if [ -n "$start" ]; then
  echo "memdata=$(dd if=/proc/$P/mem bs=4096 skip=$((0x$start / 4096)) count=1 2>/dev/null | wc -c)"
else
  echo memdata=0
fi
sleep 1000 &
S=$!
echo "control=$(cat /proc/$S/mem 2>&1 >/dev/null | head -n1)"
kill $S
} > /shared/result.tmp 2>&1
mv /shared/result.tmp /shared/result
sleep 1000
`

// 6. CVE-2016-9962: container B is created (not started) in container A's
// pid namespace. While it waits for start, B's init is the runtime's own
// code with the host's view; a process of A (root, the default
// capabilities) must not reach its memory, maps, fds, exe or environ.
// From the host: every thread of B's init has the same capabilities.
func TestEscapeCotenantProcMem(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, r *rtEnv) {
		shared := filepath.Join(r.base, "shared")
		if err := os.Mkdir(shared, 0o777); err != nil {
			t.Fatal(err)
		}
		bA := r.bundle(func(s *specs.Spec) {
			s.Process.Args = []string{"sh", "-c", cotenantScript}
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/shared", Type: "bind", Source: shared, Options: []string{"rbind", "rw"}})
		})
		a := r.id()
		r.setup(r.do("run", "--detach", "--bundle", bA, a), "run -d container A")
		aPid := r.state(a).Pid
		bB := r.bundle(func(s *specs.Spec) {
			s.Process.Args = []string{"sleep", "1000"}
			joinPath(s, specs.PIDNamespace, fmt.Sprintf("/proc/%d/ns/pid", aPid))
		})
		bID := r.id()
		r.setup(r.do("create", "--bundle", bB, bID), "create container B in A's pid namespace")
		st := r.state(bID)
		if st.Status != "created" {
			t.Fatalf("%s: B is %s", r.rt.name, st.Status)
		}
		bPid := st.Pid
		if nsLink(t, bPid, "pid") != nsLink(t, aPid, "pid") {
			t.Fatalf("%s: B's init is not in A's pid namespace", r.rt.name)
		}
		// The host's view of B's threads while it is created.
		caps := capsOf(t, bPid)
		lead, ok := caps[bPid]
		if !ok {
			t.Fatalf("%s: no status of B's init %d", r.rt.name, bPid)
		}
		for tid, c := range caps {
			if c != lead {
				r.fail("thread %d of B's created init has CapPrm/CapEff %v, its leader %v", tid, c, lead)
			}
		}
		r.note("B's created init: %d threads, leader CapPrm %s CapEff %s (the spec's set is %016x)", len(caps), lead[0], lead[1], specCapMask)
		nspid, err := procStatusField(fmt.Sprintf("/proc/%d/status", bPid), "NSpid")
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(nspid)
		writeFileAtomic(t, filepath.Join(shared, "trigger"), []byte(f[len(f)-1]+"\n"))
		out, ok := waitForFile(t, filepath.Join(shared, "result"), 30*time.Second)
		if !ok {
			t.Fatalf("%s: container A never wrote its result (%q)", r.rt.name, out)
		}
		r.note("from A, against B's init (pid %s in A): %q", f[len(f)-1], out)
		kv := parseKV(out)
		if kv["comm"] == "" || strings.Contains(kv["comm"], "No such") {
			r.setup(result{code: 1, stderr: "A cannot see B's init: " + out}, "find B from A")
		}
		denied := func(v string) bool { return strings.Contains(v, "Permission denied") }
		// Control: A's own dumpable sleep is open to the same attack, so a
		// refusal above is the runtime's doing, not the host's.
		if denied(kv["control"]) || kv["control"] == "" {
			r.fail("control: A could not open /proc/<its own sleep>/mem either (%q): the attack proves nothing here", kv["control"])
		}
		if !denied(kv["memr"]) {
			r.escaped("A opened /proc/<B's init>/mem for reading (%q)", kv["memr"])
		}
		if !denied(kv["memw"]) {
			r.escaped("A opened /proc/<B's init>/mem for writing (%q)", kv["memw"])
		}
		if n, _ := strconv.Atoi(kv["memdata"]); n > 0 {
			r.escaped("A read %d bytes of B's init's memory", n)
		}
		// Listing /proc/<pid>/fd is plain DAC (same uid); following
		// its links is what the ptrace check guards.
		if !denied(kv["fd"]) || strings.Contains(kv["fd"], " -> ") {
			r.escaped("A read the fd links of B's init: %q", kv["fd"])
		}
		for _, k := range []string{"maps", "exe", "environ", "root", "cwd"} {
			if !denied(kv[k]) {
				r.escaped("A read /proc/<B's init>/%s: %q", k, kv[k])
			}
		}
		if st := r.state(bID); st.Status != "created" {
			r.note("B is %s after the attack", st.Status)
		}
	})
}
