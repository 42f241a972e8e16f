package trace

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// A Filter chooses which events a Tracer writes. The zero Filter writes
// every event.
type Filter struct {
	none  bool
	kinds []Kind   // groups chosen; with names, nil means "only those names"
	names []string // system call names chosen
	spec  string
}

// Groups of events a filter can name.
var groups = map[string][]Kind{
	"sys":   {Syscall},
	"http":  {Recv, Send, Info},
	"state": {State},
}

// ParseFilter reads a filter from a comma-separated list: "all", "none",
// the groups "sys" (system calls), "http" (what was received, sent and
// decided) and "state" (connections changing state), or system call names
// ("accept4,read"). If known is not nil, a name must be in it; aliases
// maps other names to real ones (a server may let "accept" stand for
// accept4, the call Linux really makes).
func ParseFilter(spec string, known []string, aliases map[string][]string) (Filter, error) {
	f := Filter{spec: spec}
	all := false
	for _, word := range strings.Split(spec, ",") {
		word = strings.TrimSpace(word)
		switch {
		case word == "all":
			all = true
		case word == "none":
			f.none = true
		case groups[word] != nil:
			f.kinds = append(f.kinds, groups[word]...)
		case aliases[word] != nil:
			f.names = append(f.names, aliases[word]...)
		case known == nil && word != "" || slices.Contains(known, word):
			f.names = append(f.names, word)
		default:
			return Filter{}, fmt.Errorf("%q is not all, none, sys, http, state or a system call the server makes (%s)", word, callList(known, aliases))
		}
	}
	switch {
	case f.none && (all || f.kinds != nil || f.names != nil):
		return Filter{}, fmt.Errorf("%q: none cannot be combined with anything else", spec)
	case all:
		return Filter{spec: spec}, nil
	}
	return f, nil
}

// callList lists, for an error message, the system calls a name may be:
// their own names, and then the other names that stand for some of them,
// so that whoever typed "selct" learns that "select" works, though the
// call is pselect6.
func callList(calls []string, aliases map[string][]string) string {
	list := strings.Join(calls, ", ")
	if len(aliases) == 0 {
		return list
	}
	names := slices.Sorted(maps.Keys(aliases))
	also := strings.Join(names, ", ")
	if len(names) > 1 {
		also = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
	return list + "; " + also + " also work"
}

// None reports whether f writes nothing at all.
func (f Filter) None() bool { return f.none }

// Match reports whether f writes e.
func (f Filter) Match(e Event) bool {
	switch {
	case f.none:
		return false
	case f.kinds == nil && f.names == nil:
		return true
	case slices.Contains(f.kinds, e.Kind):
		return true
	}
	return e.Kind == Syscall && slices.Contains(f.names, e.Name)
}

// String returns the list the filter was read from.
func (f Filter) String() string {
	if f.spec == "" {
		return "all"
	}
	return f.spec
}
