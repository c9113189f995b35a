// Package engines holds the tests that run the hub's SQL on the two ClickHouse engines it must
// work on: Debian's ClickHouse 18.16 (the server `make test` starts) and current ClickHouse
// (26.x, as chDB: the engine as a library, from the npm package @chdb/lib-linux-x64-gnu, bound by
// chdb-go). It is a module of its own, with tests only, so that chdb-go, which loads the library
// when its package starts and panics where it is missing, never reaches a build of the hub.
//
// The chDB tests need the build tag chdb and CHDB_LIB_PATH naming libchdb.so; scripts/test.sh
// installs the library with `npm ci` here and runs them. Without the tag only the check that
// every statement of the hub has a parity case runs (it needs no engine).
package engines
