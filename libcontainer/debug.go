package libcontainer

import (
	"fmt"
	"time"
)

// Debugf, when set (hull --debug), receives progress messages such as the
// time each phase of create took.
var Debugf func(format string, args ...any)

// phaseTimer reports how long each phase of an operation took.
type phaseTimer struct {
	what string
	last time.Time
}

func newPhaseTimer(what string) *phaseTimer {
	return &phaseTimer{what: what, last: time.Now()}
}

// done reports the phase that just ended.
func (p *phaseTimer) done(phase string) {
	if Debugf == nil {
		return
	}
	now := time.Now()
	Debugf("%s: %s took %s", p.what, phase, fmt.Sprint(now.Sub(p.last).Round(10*time.Microsecond)))
	p.last = now
}
