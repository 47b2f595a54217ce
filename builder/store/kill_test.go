package store

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

// helperEnv makes the test binary act as a builder process writing a blob
// from stdin, so a test can kill it mid-write.
const helperEnv = "HULL_STORE_TEST_PUTBLOB_ROOT"

func TestMain(m *testing.M) {
	if root := os.Getenv(helperEnv); root != "" {
		s, err := Open(root)
		if err == nil {
			_, err = s.PutBlob(os.Stdin, "x")
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestPutBlobKilledMidWrite(t *testing.T) {
	s := openStore(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+s.Root())
	stdin, err := cmd.StdinPipe()
	must(t, err)
	must(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	part := bytes.Repeat([]byte("half a blob "), 100000)
	_, err = stdin.Write(part)
	must(t, err)
	// Wait until the writer's temp file holds data, then kill it the hard way.
	for i := 0; ; i++ {
		if names := tmpEntries(t, s); len(names) == 1 {
			if fi, err := os.Stat(s.tmpDir() + "/" + names[0]); err == nil && fi.Size() > 0 {
				break
			}
		}
		if i == 1000 {
			t.Fatal("the helper never started writing its temp file")
		}
		time.Sleep(10 * time.Millisecond)
	}
	must(t, cmd.Process.Kill())
	cmd.Wait()
	if s.HasBlob(digest.FromBytes(part)) {
		t.Fatal("a partial write is visible as a blob")
	}
	if len(tmpEntries(t, s)) != 1 {
		t.Fatal("expected the killed writer's temp to be there before Open")
	}
	s2, err := Open(s.Root())
	must(t, err)
	if left := tmpEntries(t, s2); len(left) != 0 {
		t.Errorf("Open left the dead writer's temp: %q", left)
	}
	desc, err := s2.PutBlob(bytes.NewReader(part), "x")
	must(t, err)
	if got, err := s2.ReadBlob(desc.Digest); err != nil || !bytes.Equal(got, part) {
		t.Errorf("blob after recovery: %v", err)
	}
}
