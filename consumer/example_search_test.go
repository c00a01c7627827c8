package consumer_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/stytchtest"
)

// Search with filters built by constructors: each names its filter and
// sends its value in the shape Stytch expects.
func ExampleUsersService_Search() {
	srv := stytchtest.NewServer()
	defer srv.Close()
	client, ctx := srv.ConsumerClient(), context.Background()
	for _, email := range []string{"ada@example.com", "grace@example.com"} {
		if _, err := client.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr(email), CreateUserAsPending: stytch.Ptr(email == "grace@example.com")}); err != nil {
			log.Fatal(err)
		}
	}

	resp, err := client.Users.Search(ctx, &consumer.UsersSearchParams{Query: &consumer.SearchUsersQuery{
		Operator: consumer.SearchOperatorAnd, // every filter must match
		Operands: []consumer.UserSearchFilter{
			consumer.UserFilterEmailAddress("ada@example.com", "grace@example.com"),
			consumer.UserFilterStatus(consumer.UserStatusActive),
		},
	}})
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range resp.Results {
		fmt.Println(u.Emails[0].Email, u.Status)
	}
	// Output: ada@example.com active
}
