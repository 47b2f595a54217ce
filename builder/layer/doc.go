// Package layer converts between overlay upper directories and OCI layer tars:
// Diff turns an upper dir into a deterministic tar (overlay whiteouts become
// OCI ".wh." entries), Unpack applies a layer tar into a fresh layer dir meant
// as an overlay lowerdir (the reverse conversion), and ExtractArchive unpacks
// an ADD archive into a rootfs. Every write into a target directory goes
// through directory fds opened component by component with O_NOFOLLOW, so no
// entry, however hostile, can make us write outside the target.
package layer
