package bench

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// Summary is a runtime's samples reduced to medians and a peak.
type Summary struct {
	Name                        string
	N                           int
	Wall, CPU                   time.Duration
	Create, Start, Wait, Delete time.Duration
	MaxRSSKiB                   int64
}

// Summarize takes the median of each measure and the largest peak RSS.
func Summarize(name string, samples []Sample) Summary {
	pick := func(f func(Sample) time.Duration) time.Duration {
		ds := make([]time.Duration, len(samples))
		for i, s := range samples {
			ds[i] = f(s)
		}
		return Median(ds)
	}
	sum := Summary{
		Name:   name,
		N:      len(samples),
		Wall:   pick(Sample.Wall),
		CPU:    pick(func(s Sample) time.Duration { return s.CPU }),
		Create: pick(func(s Sample) time.Duration { return s.Create }),
		Start:  pick(func(s Sample) time.Duration { return s.Start }),
		Wait:   pick(func(s Sample) time.Duration { return s.Wait }),
		Delete: pick(func(s Sample) time.Duration { return s.Delete }),
	}
	for _, s := range samples {
		sum.MaxRSSKiB = max(sum.MaxRSSKiB, s.MaxRSS)
	}
	return sum
}

// Median of ds (mean of the middle two for an even count); 0 when empty.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Ratio is a/b, or 0 when b is 0.
func Ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

// PrintTable prints one line per runtime with ratios against base (crun).
func PrintTable(w io.Writer, sums []Summary, base string) {
	var ref Summary
	for _, s := range sums {
		if s.Name == base {
			ref = s
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "runtime\tN\twall ms\tcpu ms\tcreate\tstart\twait\tdelete\tpeak RSS MiB\twall/%s\tcpu/%s\t\n", base, base)
	for _, s := range sums {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%.2fx\t%.2fx\t\n", s.Name, s.N, ms(s.Wall), ms(s.CPU),
			ms(s.Create), ms(s.Start), ms(s.Wait), ms(s.Delete), float64(s.MaxRSSKiB)/1024,
			Ratio(s.Wall, ref.Wall), Ratio(s.CPU, ref.CPU))
	}
	tw.Flush()
}

// PrintExecTable prints one exec time per runtime with its ratio to base.
func PrintExecTable(w io.Writer, sums []Summary, base string) {
	var ref Summary
	for _, s := range sums {
		if s.Name == base {
			ref = s
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "runtime\tN\texec ms\texec/%s\t\n", base)
	for _, s := range sums {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.2fx\t\n", s.Name, s.N, ms(s.Wall), Ratio(s.Wall, ref.Wall))
	}
	tw.Flush()
}
