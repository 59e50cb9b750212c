package supervisor

import (
	"fmt"
	"sort"
)

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
