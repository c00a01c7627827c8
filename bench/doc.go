// Package bench compares the SDK's local JWT verification with its floor,
// golang-jwt checking the same RS256 token against a key it is handed, in
// one run on the same tokens. It is a module of its own so that whatever it
// compares against never becomes a requirement of the SDK's module.
//
//	cd bench && go test -run '^$' -bench . -benchmem -benchtime 3000x -count 6
package bench
