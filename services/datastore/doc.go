// Package datastore starts the server's storage and tells kube-apiserver how
// to reach it: kine on SQLite (the default, <data-dir>/server/db/state.db
// served on a unix socket), kine on an external PostgreSQL or MySQL, an
// external etcd, or embedded etcd (<data-dir>/server/db/etcd) for
// --cluster-init.
//
// Every path is absolute and derived from the server directory, so nothing
// depends on the working directory. An existing SQLite file is checked
// before kine opens it: a file that is not a SQLite database, or fails
// SQLite's quick check, is an error and is left as it is.
package datastore
