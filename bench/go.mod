module github.com/gostytch/stytch/bench

go 1.26.0

require (
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/gostytch/stytch v0.0.0
	github.com/stytchauth/stytch-go/v18 v18.0.0
)

require (
	github.com/MicahParks/jwkset v0.11.3 // indirect
	github.com/MicahParks/keyfunc/v2 v2.0.1 // indirect
	github.com/mitchellh/mapstructure v1.5.0 // indirect
	golang.org/x/time v0.9.0 // indirect
)

replace github.com/gostytch/stytch => ../
