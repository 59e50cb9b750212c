package main

import (
	"fmt"
	"io"
)

// report prints the ratios the issues ask for: outpost's readiness against
// the bare pair, idle RSS, SQLite's rate against etcd's, and what syncing
// every SQLite commit (FULL) costs against kine's NORMAL, and what
// encrypting Secrets at rest costs.
func report(w io.Writer, rs []result) {
	if len(rs) != 5 {
		return
	}
	sqlite, normal, clear, etcd, bare := rs[0], rs[1], rs[2], rs[3], rs[4]
	fmt.Fprintln(w, "\nratios (target in brackets):")
	fmt.Fprintf(w, "  ready  outpost sqlite / bare pair   %.2f  [<= 1.3]\n", sqlite.ready.Seconds()/bare.ready.Seconds())
	fmt.Fprintf(w, "  ready  outpost etcd   / bare pair   %.2f  [<= 1.3]\n", etcd.ready.Seconds()/bare.ready.Seconds())
	fmt.Fprintf(w, "  RSS    outpost sqlite %.0f MB, outpost etcd %.0f MB, bare pair %.0f MB  [outpost < 300 MB]\n", sqlite.rssMB, etcd.rssMB, bare.rssMB)
	fmt.Fprintf(w, "  rate   sqlite / embedded etcd       %.2f  [>= 0.8]\n", sqlite.rate()/etcd.rate())
	fmt.Fprintf(w, "  rate   sqlite / bare etcd           %.2f\n", sqlite.rate()/bare.rate())
	fmt.Fprintf(w, "  rate   sqlite FULL / NORMAL         %.2f  (%.0f against %.0f writes/s; FULL keeps every acknowledged write through a power cut)\n",
		sqlite.rate()/normal.rate(), sqlite.rate(), normal.rate())
	fmt.Fprintf(w, "  rate   Secrets encrypted / clear    %.2f  (%.0f against %.0f writes/s; --secrets-encryption, on by default)\n",
		sqlite.secretRate()/clear.secretRate(), sqlite.secretRate(), clear.secretRate())
}
