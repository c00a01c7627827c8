package b2b

// This file is the same in consumer and b2b, but for the package clause
// (TestM2MSearchFiltersMatch checks it): M2M is defined once, in
// spec/shared, and generated into both packages.

// The constructors below build the operands of an M2M client search
// (M2MSearchQuery.Operands), one per filter Stytch documents for
// POST /v1/m2m/clients/search. Every one of them takes a list, sent as a JSON
// array; a client matches when it matches one of the values.

// M2MFilter is the escape hatch for a filter this SDK has no constructor for
// yet: name is sent as filter_name and value, encoded with encoding/json, as
// filter_value.
func M2MFilter(name string, value any) M2MSearchFilter {
	return M2MSearchFilter{FilterName: name, FilterValue: value}
}

// M2MFilterClientID keeps the clients whose client_id is one of ids.
func M2MFilterClientID(ids ...string) M2MSearchFilter {
	return M2MFilter("client_id", append([]string{}, ids...))
}

// M2MFilterClientName keeps the clients whose name is exactly one of names.
func M2MFilterClientName(names ...string) M2MSearchFilter {
	return M2MFilter("client_name", append([]string{}, names...))
}

// M2MFilterScopes keeps the clients that hold at least one of scopes.
func M2MFilterScopes(scopes ...string) M2MSearchFilter {
	return M2MFilter("scopes", append([]string{}, scopes...))
}
