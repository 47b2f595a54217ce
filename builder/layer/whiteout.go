package layer

import "strings"

// OCI whiteout names (image-spec layer.md) and the overlay xattrs that mean
// the same thing inside an upper or lower dir.
const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
	opaqueTrusted  = "trusted.overlay.opaque"
	opaqueUser     = "user.overlay.opaque"
)

// isOverlayXattr reports xattrs that belong to overlayfs' own bookkeeping:
// never copied into a layer tar, never accepted from one.
func isOverlayXattr(name string) bool {
	return strings.HasPrefix(name, "trusted.overlay.") || strings.HasPrefix(name, "user.overlay.")
}
