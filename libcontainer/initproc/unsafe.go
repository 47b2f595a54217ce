package initproc

import "unsafe"

// uintptrOf passes a Go pointer to a raw syscall; the value stays alive in
// the caller for the syscall's duration.
func uintptrOf(p *uint32) uintptr { return uintptr(unsafe.Pointer(p)) }
