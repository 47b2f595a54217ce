package devfilter

import (
	"bytes"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Raw bpf(2) calls, with the leading parts of union bpf_attr that each
// command reads (the kernel zero-fills the rest).

type progLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       uint64
	license     uint64
	logLevel    uint32
	logSize     uint32
	logBuf      uint64
	kernVersion uint32
	progFlags   uint32
	progName    [16]byte
}

type progAttachAttr struct {
	targetFd     uint32
	attachBpfFd  uint32
	attachType   uint32
	attachFlags  uint32
	replaceBpfFd uint32
}

type progQueryAttr struct {
	targetFd    uint32
	attachType  uint32
	queryFlags  uint32
	attachFlags uint32
	progIDs     uint64
	progCnt     uint32
	_           uint32
}

type getFdByIDAttr struct {
	id        uint32
	nextID    uint32
	openFlags uint32
}

func bpf(cmd int, attr unsafe.Pointer, size uintptr) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(attr), size)
	if errno != 0 {
		return int(r), errno
	}
	return int(r), nil
}

// loadProgram loads a cgroup device program and returns its fd. On a
// verifier rejection it loads again with the log on, so the error says why.
func loadProgram(code []byte) (int, error) {
	license := []byte("Apache\x00")
	attr := progLoadAttr{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(code) / 8),
		insns:    uint64(uintptr(unsafe.Pointer(&code[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
	}
	// The kernel reads these buffers through the addresses in attr.
	defer runtime.KeepAlive(code)
	defer runtime.KeepAlive(license)
	copy(attr.progName[:], "hull_devices")
	fd, err := bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err == nil {
		return fd, nil
	}
	log := make([]byte, 64*1024)
	defer runtime.KeepAlive(log)
	attr.logLevel, attr.logSize = 1, uint32(len(log))
	attr.logBuf = uint64(uintptr(unsafe.Pointer(&log[0])))
	if fd, err2 := bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr)); err2 == nil {
		return fd, nil // loaded the second time round: keep it
	}
	if n := bytes.IndexByte(log, 0); n >= 0 {
		log = log[:n]
	}
	return -1, fmt.Errorf("load device filter: %w: %s", err, bytes.TrimSpace(log))
}

func attach(cgroupFd, progFd int, flags uint32) error {
	attr := progAttachAttr{
		targetFd: uint32(cgroupFd), attachBpfFd: uint32(progFd),
		attachType: unix.BPF_CGROUP_DEVICE, attachFlags: flags,
	}
	_, err := bpf(unix.BPF_PROG_ATTACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

func detach(cgroupFd, progFd int) error {
	attr := progAttachAttr{targetFd: uint32(cgroupFd), attachBpfFd: uint32(progFd), attachType: unix.BPF_CGROUP_DEVICE}
	_, err := bpf(unix.BPF_PROG_DETACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

// attachedIDs lists the ids of the device programs attached directly to
// the cgroup (not inherited from its parents).
func attachedIDs(cgroupFd int) ([]uint32, error) {
	ids := make([]uint32, 64) // BPF_CGROUP_MAX_PROGS
	attr := progQueryAttr{
		targetFd: uint32(cgroupFd), attachType: unix.BPF_CGROUP_DEVICE,
		progIDs: uint64(uintptr(unsafe.Pointer(&ids[0]))), progCnt: uint32(len(ids)),
	}
	_, err := bpf(unix.BPF_PROG_QUERY, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	runtime.KeepAlive(ids)
	if err != nil {
		return nil, err
	}
	return ids[:attr.progCnt], nil
}

func progFdByID(id uint32) (int, error) {
	attr := getFdByIDAttr{id: id}
	return bpf(unix.BPF_PROG_GET_FD_BY_ID, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}
