package build

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"
)

// progress prints buildkit's "plain" progress format: every step gets a
// number, its output lines carry that number and the seconds since the step
// started, and it ends with DONE (and its duration), CACHED or ERROR.
//
//	#3 [build 2/5] RUN make
//	#3 0.512 gcc -o app app.c
//	#3 DONE 1.2s
type progress struct {
	mu   sync.Mutex
	w    io.Writer
	next int
}

func newProgress(w io.Writer) *progress {
	if w == nil {
		w = io.Discard
	}
	return &progress{w: w}
}

// step is one numbered line of progress.
type step struct {
	p     *progress
	n     int
	start time.Time
	ended bool // DONE, CACHED or ERROR printed
}

func (p *progress) start(title string) *step {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	fmt.Fprintf(p.w, "#%d %s\n", p.next, title)
	return &step{p: p, n: p.next, start: time.Now()}
}

func (s *step) printf(format string, args ...any) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	fmt.Fprintf(s.p.w, "#%d "+format+"\n", append([]any{s.n}, args...)...)
}

func (s *step) done() {
	s.ended = true
	s.printf("DONE %.1fs", time.Since(s.start).Seconds())
}

func (s *step) cached() {
	s.ended = true
	s.printf("CACHED")
}

func (s *step) fail(err error) {
	s.ended = true
	s.printf("ERROR: %v", err)
}

// writer returns an io.Writer that prefixes each complete line of the step's
// process output; flush prints an unterminated last line.
func (s *step) writer() *lineWriter { return &lineWriter{s: s} }

type lineWriter struct {
	s   *step
	mu  sync.Mutex
	buf []byte
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.emit(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
	return len(b), nil
}

func (l *lineWriter) emit(line []byte) {
	l.s.printf("%.3f %s", time.Since(l.s.start).Seconds(), line)
}

func (l *lineWriter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(l.buf)
		l.buf = nil
	}
}
