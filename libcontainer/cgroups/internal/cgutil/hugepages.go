package cgutil

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

var (
	hugeOnce  sync.Once
	hugeSizes []string
	hugeErr   error
)

// HugePageSizes lists the host's huge page sizes in the cgroup file
// spelling ("2MB", "1GB"), from /sys/kernel/mm/hugepages.
func HugePageSizes() ([]string, error) {
	hugeOnce.Do(func() {
		entries, err := os.ReadDir("/sys/kernel/mm/hugepages")
		if err != nil {
			if os.IsNotExist(err) {
				return
			}
			hugeErr = fmt.Errorf("huge page sizes: %w", err)
			return
		}
		for _, e := range entries {
			s, err := PageSizeName(e.Name())
			if err != nil {
				hugeErr = err
				return
			}
			hugeSizes = append(hugeSizes, s)
		}
	})
	return hugeSizes, hugeErr
}

// PageSizeName turns "hugepages-2048kB" into "2MB".
func PageSizeName(dirName string) (string, error) {
	kb, ok := strings.CutPrefix(dirName, "hugepages-")
	if !ok || !strings.HasSuffix(kb, "kB") {
		return "", fmt.Errorf("huge page size: unexpected entry %q", dirName)
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(kb, "kB"), 10, 64)
	if err != nil {
		return "", fmt.Errorf("huge page size %q: %w", dirName, err)
	}
	units := []string{"KB", "MB", "GB", "TB", "PB"}
	i := 0
	for n >= 1024 && n%1024 == 0 && i < len(units)-1 {
		n /= 1024
		i++
	}
	return strconv.FormatUint(n, 10) + units[i], nil
}
