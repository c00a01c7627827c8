package consumer_test

import (
	"fmt"
	"log"
	"time"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
)

// Creating a client does no I/O; the project ID decides whether it calls
// Stytch's test or live environment.
func ExampleNewClient() {
	client, err := consumer.NewClient(
		"project-test-00000000-0000-4000-8000-000000000000", // os.Getenv("STYTCH_PROJECT_ID")
		"secret-test-example-example-example-00000=",        // os.Getenv("STYTCH_SECRET")
		stytch.WithTimeout(10*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	fmt.Println("ready, nothing sent yet:", client.Users != nil)
	// Output: ready, nothing sent yet: true
}
