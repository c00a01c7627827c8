package consumer_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"testing"

	"github.com/gostytch/stytch"
	"github.com/gostytch/stytch/consumer"
	"github.com/gostytch/stytch/stytchtest"
)

// Search with filters built by constructors: each names its filter and
// sends its value in the shape Stytch expects.
func ExampleUserFilterEmailAddress() {
	srv := stytchtest.NewServer()
	defer srv.Close()
	client, ctx := srv.ConsumerClient(), context.Background()
	for _, email := range []string{"ada@example.com", "grace@example.com"} {
		if _, err := client.Users.Create(ctx, &consumer.UsersCreateParams{Email: stytch.Ptr(email), CreateUserAsPending: stytch.Ptr(email == "grace@example.com")}); err != nil {
			log.Fatal(err)
		}
	}

	// readme:begin search
	resp, err := client.Users.Search(ctx, &consumer.UsersSearchParams{Query: &consumer.SearchUsersQuery{
		Operator: consumer.SearchOperatorAnd, // every filter must match
		Operands: []consumer.UserSearchFilter{
			consumer.UserFilterEmailAddress("ada@example.com", "grace@example.com"),
			consumer.UserFilterStatus("active"),
		},
	}})
	// readme:end
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range resp.Results {
		fmt.Println(u.Emails[0].Email, u.Status)
	}
	// Output: ada@example.com active
}

// The README's search snippet is the body of ExampleUserFilterEmailAddress,
// so it always compiles.
func TestREADMESearchSnippet(t *testing.T) {
	src, err := os.ReadFile("example_search_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(src), "// readme:begin search\n")
	body, _, found := strings.Cut(rest, "\t// readme:end")
	if !found {
		t.Fatal("no readme markers in example_search_test.go")
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	snippet := "```go\n" + strings.Join(lines, "\n") + "\n```"
	if !strings.Contains(string(readme), snippet) {
		t.Errorf("README.md lacks the search snippet of ExampleUserFilterEmailAddress:\n%s", snippet)
	}
}
