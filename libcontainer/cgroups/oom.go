package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// OOMNotifier reports each time the kernel's OOM killer acts in m's memory
// cgroup. The channel is closed when stop is called, or when the cgroup
// ends: v1 when it is removed, v2 when its last process exits (cgroup.events
// "populated 0") or, within a second, when it is removed. stop releases the
// notifier's file descriptors and may be called more than once.
//
// v1 registers an eventfd for memory.oom_control through
// cgroup.event_control; v2 watches memory.events with inotify and reports
// increases of its oom_kill counter (as runc does).
func OOMNotifier(m Manager) (<-chan struct{}, func(), error) {
	if dir, ok := m.Paths()["memory"]; ok {
		return oomV1(dir)
	}
	if dir, ok := m.V2Dir(); ok {
		return oomV2(dir)
	}
	return nil, nil, errors.New("oom notifier: no memory cgroup (the memory controller is not available)")
}

func oomV1(dir string) (<-chan struct{}, func(), error) {
	ctl, err := os.Open(filepath.Join(dir, "memory.oom_control"))
	if err != nil {
		return nil, nil, fmt.Errorf("oom notifier: %w", err)
	}
	// A non-blocking eventfd wrapped in an *os.File goes through Go's
	// poller, so closing it wakes the goroutine blocked reading it.
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		ctl.Close()
		return nil, nil, fmt.Errorf("oom notifier: eventfd: %w", err)
	}
	ev := os.NewFile(uintptr(efd), "oom-eventfd")
	reg := fmt.Sprintf("%d %d", efd, ctl.Fd())
	if err := os.WriteFile(filepath.Join(dir, "cgroup.event_control"), []byte(reg), 0); err != nil {
		ev.Close()
		ctl.Close()
		return nil, nil, fmt.Errorf("oom notifier: register with %s: %w", dir, err)
	}
	ch := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(ch)
		defer ctl.Close()
		buf := make([]byte, 8)
		for {
			if _, err := ev.Read(buf); err != nil {
				return
			}
			// The eventfd also fires when the cgroup is removed.
			if _, err := os.Stat(filepath.Join(dir, "memory.oom_control")); err != nil {
				return
			}
			select {
			case ch <- struct{}{}:
			case <-done:
				return
			}
		}
	}()
	return ch, stopOnce(done, ev), nil
}

func oomV2(dir string) (<-chan struct{}, func(), error) {
	events := filepath.Join(dir, "memory.events")
	ifd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, nil, fmt.Errorf("oom notifier: inotify: %w", err)
	}
	in := os.NewFile(uintptr(ifd), "oom-inotify")
	if _, err := unix.InotifyAddWatch(ifd, events, unix.IN_MODIFY); err != nil {
		in.Close()
		return nil, nil, fmt.Errorf("oom notifier: watch %s: %w", events, err)
	}
	cgEvents := filepath.Join(dir, "cgroup.events")
	cgWd, err := unix.InotifyAddWatch(ifd, cgEvents, unix.IN_MODIFY)
	if err != nil {
		in.Close()
		return nil, nil, fmt.Errorf("oom notifier: watch %s: %w", cgEvents, err)
	}
	last, err := eventCount(events, "oom_kill")
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	ch := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(ch)
		buf := make([]byte, 4096)
		for {
			// kernfs sends no event when the cgroup is removed, and the
			// "populated 0" one can be lost to a quick rmdir: look at
			// the directory every second too.
			_ = in.SetReadDeadline(time.Now().Add(time.Second))
			n, err := in.Read(buf)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if _, err := os.Stat(cgEvents); err != nil {
					return
				}
				continue
			}
			if err != nil {
				return
			}
			// Deliver kills first: the OOM kill of the last process also
			// empties the cgroup, and both may arrive in one read.
			cur, err := eventCount(events, "oom_kill")
			if err != nil {
				return
			}
			for ; last < cur; last++ {
				select {
				case ch <- struct{}{}:
				case <-done:
					return
				}
			}
			if slices.Contains(watches(buf[:n]), int32(cgWd)) {
				if p, err := eventCount(cgEvents, "populated"); err != nil || p == 0 {
					return // nothing runs in the cgroup any more
				}
			}
		}
	}()
	return ch, stopOnce(done, in), nil
}

// eventCount reads one counter of a "key value" events file.
func eventCount(file, key string) (uint64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, fmt.Errorf("oom notifier: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+" "); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, nil
}

// watches returns the watch descriptor of each event in an inotify read.
// The kernel writes whole, aligned event headers, so the buffer can be
// viewed as them.
func watches(b []byte) []int32 {
	var wds []int32
	for len(b) >= unix.SizeofInotifyEvent {
		e := (*unix.InotifyEvent)(unsafe.Pointer(&b[0]))
		wds = append(wds, e.Wd)
		b = b[unix.SizeofInotifyEvent+int(e.Len):]
	}
	return wds
}

func stopOnce(done chan struct{}, f *os.File) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			f.Close()
		})
	}
}
