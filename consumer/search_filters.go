package consumer

import "time"

// The constructors below build the operands of a user search
// (SearchUsersQuery.Operands), one per filter Stytch documents for
// POST /v1/users/search. Each is named after its filter_name, less the
// leading "user_", and encodes filter_value in the JSON shape Stytch expects
// for that filter: a list of strings, a string, a boolean, or an RFC 3339 time.
// UserFilter sends any other filter as it is given.
//
//	client.Users.Search(ctx, &consumer.UsersSearchParams{Query: &consumer.SearchUsersQuery{
//		Operator: consumer.SearchOperatorAnd,
//		Operands: []consumer.UserSearchFilter{
//			consumer.UserFilterEmailAddressFuzzy("example.com"),
//			consumer.UserFilterStatus(consumer.UserStatusActive),
//		},
//	}})

// UserFilter is the escape hatch for a filter this SDK has no constructor
// for yet: name is sent as filter_name and value, encoded with encoding/json,
// as filter_value.
func UserFilter(name string, value any) UserSearchFilter {
	return UserSearchFilter{FilterName: name, FilterValue: value}
}

// UserFilterCreatedAtGreaterThan keeps the users created after t.
// The time is sent in UTC, to the second.
func UserFilterCreatedAtGreaterThan(t time.Time) UserSearchFilter {
	return UserFilter("created_at_greater_than", searchTime(t))
}

// UserFilterCreatedAtLessThan keeps the users created before t.
// The time is sent in UTC, to the second.
func UserFilterCreatedAtLessThan(t time.Time) UserSearchFilter {
	return UserFilter("created_at_less_than", searchTime(t))
}

// UserFilterCreatedAtBetween keeps the users created after from and before
// to. Both times are sent in UTC, to the second.
func UserFilterCreatedAtBetween(from, to time.Time) UserSearchFilter {
	return UserFilter("created_at_between", map[string]string{"greater_than": searchTime(from), "less_than": searchTime(to)})
}

// UserFilterStatus keeps the users in one state: UserStatusActive, or
// UserStatusPending for users created with create_user_as_pending who have not
// authenticated yet.
func UserFilterStatus(status UserStatus) UserSearchFilter {
	return UserFilter("status", string(status))
}

// UserFilterID keeps the users whose user_id is one of ids.
func UserFilterID(ids ...string) UserSearchFilter {
	return UserFilter("user_id", searchList(ids))
}

// UserFilterFullNameFuzzy keeps the users whose name partly matches name:
// Stytch compares it with the first, middle and last names, and with the
// first and last names together, so "Grace H" finds Grace Hopper.
func UserFilterFullNameFuzzy(name string) UserSearchFilter {
	return UserFilter("full_name_fuzzy", name)
}

// UserFilterOAuthProvider keeps the users linked to one of the OAuth
// providers named.
func UserFilterOAuthProvider(providers ...string) UserSearchFilter {
	return UserFilter("oauth_provider", searchList(providers))
}

// UserFilterEmailAddress keeps the users who have one of the email addresses
// given, matched exactly.
func UserFilterEmailAddress(addresses ...string) UserSearchFilter {
	return UserFilter("email_address", searchList(addresses))
}

// UserFilterEmailAddressFuzzy keeps the users with an email address that
// partly matches part: Stytch compares it with the start of the address and
// the start of its domain.
func UserFilterEmailAddressFuzzy(part string) UserSearchFilter {
	return UserFilter("email_address_fuzzy", part)
}

// UserFilterEmailID keeps the users who own one of the email IDs given.
func UserFilterEmailID(ids ...string) UserSearchFilter {
	return UserFilter("email_id", searchList(ids))
}

// UserFilterEmailVerified keeps the users who have (true) or have not
// (false) authenticated with an email address.
func UserFilterEmailVerified(verified bool) UserSearchFilter {
	return UserFilter("email_verified", verified)
}

// UserFilterPhoneNumber keeps the users who have one of the phone numbers
// given, in E.164 format (+12025550162), matched exactly.
func UserFilterPhoneNumber(numbers ...string) UserSearchFilter {
	return UserFilter("phone_number", searchList(numbers))
}

// UserFilterPhoneNumberFuzzy keeps the users with a phone number that
// contains digits, such as an area code.
func UserFilterPhoneNumberFuzzy(digits string) UserSearchFilter {
	return UserFilter("phone_number_fuzzy", digits)
}

// UserFilterPhoneID keeps the users who own one of the phone IDs given.
func UserFilterPhoneID(ids ...string) UserSearchFilter {
	return UserFilter("phone_id", searchList(ids))
}

// UserFilterPhoneVerified keeps the users who have (true) or have not
// (false) authenticated with a phone number.
func UserFilterPhoneVerified(verified bool) UserSearchFilter {
	return UserFilter("phone_verified", verified)
}

// UserFilterWebAuthnRegistrationID keeps the users who own one of the
// WebAuthn (passkey) registrations given.
func UserFilterWebAuthnRegistrationID(ids ...string) UserSearchFilter {
	return UserFilter("webauthn_registration_id", searchList(ids))
}

// UserFilterWebAuthnRegistrationVerified keeps the users who have (true) or
// have not (false) completed a WebAuthn registration.
func UserFilterWebAuthnRegistrationVerified(verified bool) UserSearchFilter {
	return UserFilter("webauthn_registration_verified", verified)
}

// UserFilterCryptoWalletID keeps the users who own one of the crypto wallet
// IDs given.
func UserFilterCryptoWalletID(ids ...string) UserSearchFilter {
	return UserFilter("crypto_wallet_id", searchList(ids))
}

// UserFilterCryptoWalletAddress keeps the users who own one of the
// blockchain addresses given.
func UserFilterCryptoWalletAddress(addresses ...string) UserSearchFilter {
	return UserFilter("crypto_wallet_address", searchList(addresses))
}

// UserFilterCryptoWalletVerified keeps the users who have (true) or have not
// (false) authenticated with a crypto wallet.
func UserFilterCryptoWalletVerified(verified bool) UserSearchFilter {
	return UserFilter("crypto_wallet_verified", verified)
}

// UserFilterTOTPID keeps the users who own one of the TOTP registrations
// given.
func UserFilterTOTPID(ids ...string) UserSearchFilter {
	return UserFilter("totp_id", searchList(ids))
}

// UserFilterTOTPVerified keeps the users who have (true) or have not (false)
// confirmed a TOTP registration with a code.
func UserFilterTOTPVerified(verified bool) UserSearchFilter {
	return UserFilter("totp_verified", verified)
}

// UserFilterPasswordExists keeps the users who have (true) or have not
// (false) set a password.
func UserFilterPasswordExists(exists bool) UserSearchFilter {
	return UserFilter("password_exists", exists)
}

// searchList copies a variadic list so that it is never nil: Stytch wants a
// JSON array, and a nil slice would be sent as null.
func searchList(v []string) []string {
	return append([]string{}, v...)
}

// searchTime is a time as Stytch's search filters read it: RFC 3339, in UTC.
func searchTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}
