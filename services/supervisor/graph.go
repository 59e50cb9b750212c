package supervisor

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Order checks services as Start does and returns them in start order:
// each after the services it depends on, in the given order otherwise.
func Order(services []Service) ([]Service, error) {
	if err := checkGraph(nil, services); err != nil {
		return nil, err
	}
	return sortByDeps(services), nil
}

// checkGraph refuses duplicate names, unknown dependencies and cycles.
func checkGraph(known map[string]bool, services []Service) error {
	byName := map[string]Service{}
	for _, s := range services {
		if s.Name == "" || s.Run == nil {
			return fmt.Errorf("service %q: a name and a Run function are required", s.Name)
		}
		if known[s.Name] || byName[s.Name].Name != "" {
			return fmt.Errorf("service %q is defined twice", s.Name)
		}
		byName[s.Name] = s
	}
	for _, s := range services {
		for _, d := range s.DependsOn {
			if !known[d] && byName[d].Name == "" {
				return fmt.Errorf("service %q depends on unknown service %q", s.Name, d)
			}
		}
	}
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("services depend on each other in a cycle: %v", append(path, name))
		case 2:
			return nil
		}
		state[name] = 1
		for _, d := range byName[name].DependsOn {
			if err := visit(d, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		return nil
	}
	for _, s := range services {
		if err := visit(s.Name, nil); err != nil {
			return err
		}
	}
	return nil
}

// sortByDeps orders services so each comes after its dependencies, keeping
// the given order otherwise. The graph must be checked first.
func sortByDeps(services []Service) []Service {
	index := map[string]int{}
	for i, s := range services {
		index[s.Name] = i
	}
	var out []Service
	done := map[string]bool{}
	var add func(s Service)
	add = func(s Service) {
		if done[s.Name] {
			return
		}
		done[s.Name] = true
		deps := append([]string(nil), s.DependsOn...)
		sort.SliceStable(deps, func(a, b int) bool { return index[deps[a]] < index[deps[b]] })
		for _, d := range deps {
			if i, ok := index[d]; ok {
				add(services[i])
			}
		}
		out = append(out, s)
	}
	for _, s := range services {
		add(s)
	}
	return out
}

// Describe writes services in start order, one line each: the name, what
// it waits for, and what its end does (the process ends, it is restarted,
// or it runs once). `outpost server --print-services` prints this, and
// the docs quote it.
func Describe(w io.Writer, services []Service) error {
	ordered, err := Order(services)
	if err != nil {
		return err
	}
	for _, s := range ordered {
		after := "-"
		if len(s.DependsOn) > 0 {
			after = strings.Join(s.DependsOn, ", ")
		}
		if _, err := fmt.Fprintf(w, "%-24s %-44s %s\n", s.Name, after, s.onExit()); err != nil {
			return err
		}
	}
	return nil
}

// onExit says what the service's end does.
func (s Service) onExit() string {
	switch {
	case s.Once && s.Fatal:
		return "once; failure ends all"
	case s.Once:
		return "once"
	case s.Fatal:
		return "end ends all"
	default:
		return "restarted"
	}
}
