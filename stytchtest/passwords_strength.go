package stytchtest

import (
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/match"

	"github.com/gostytch/stytch/consumer"
)

// The strength policy of a project with Stytch's defaults: zxcvbn, a score
// of 3 or more passing, and breach detection on. Stytch asks
// HaveIBeenPwned; the emulator, offline, knows the short list below of the
// passwords most often found in breaches.

// minZxcvbnScore is the lowest passing zxcvbn score.
const minZxcvbnScore = 3

// The LUDS measures Stytch reports beside the zxcvbn verdict, with the
// dashboard's defaults (unconfirmed: a minimum of 8 characters and 3 of
// the 4 character classes).
const (
	ludsMinLength     = 8
	ludsMinComplexity = 3
)

type strength struct {
	score           int
	valid, breached bool
	feedback        consumer.Feedback
}

// checkStrength scores password with zxcvbn, taking the email address and
// its local part as user inputs, and, when email is given, checks it
// against the breach list (the breach check runs only with an email, as
// Stytch's does).
func checkStrength(password, email string) strength {
	var inputs []string
	if email != "" {
		local, _, _ := strings.Cut(email, "@")
		inputs = []string{strings.ToLower(email), strings.ToLower(local)}
	}
	r := zxcvbn.PasswordStrength(password, inputs)
	s := strength{score: r.Score, breached: email != "" && isBreached(password)}
	s.valid = s.score >= minZxcvbnScore && !s.breached
	s.feedback = zxcvbnFeedback(r.Score, r.Sequence)
	if s.breached && s.feedback.Warning == "" {
		// Unconfirmed wording.
		s.feedback.Warning = "This password has appeared in a data breach."
		s.feedback.Suggestions = append(s.feedback.Suggestions, "Pick a password you have not used anywhere else.")
	}
	lr := luds(password)
	s.feedback.LudsRequirements = &lr
	return s
}

func luds(password string) consumer.LUDSRequirements {
	var r consumer.LUDSRequirements
	for _, c := range password {
		switch {
		case unicode.IsLower(c):
			r.HasLowerCase = true
		case unicode.IsUpper(c):
			r.HasUpperCase = true
		case unicode.IsDigit(c):
			r.HasDigit = true
		default:
			r.HasSymbol = true
		}
	}
	classes := 0
	for _, has := range []bool{r.HasLowerCase, r.HasUpperCase, r.HasDigit, r.HasSymbol} {
		if has {
			classes++
		}
	}
	r.MissingComplexity = max(0, ludsMinComplexity-classes)
	r.MissingCharacters = max(0, ludsMinLength-utf8.RuneCountInString(password))
	return r
}

// zxcvbnFeedback is zxcvbn's feedback (feedback.coffee in dropbox/zxcvbn
// 4.4.2), which the Go port leaves out: a warning about the longest match
// of the password's weakest decomposition, and suggestions.
func zxcvbnFeedback(score int, seq []*match.Match) consumer.Feedback {
	if len(seq) == 0 {
		return consumer.Feedback{Suggestions: []string{"Use a few words, avoid common phrases", "No need for symbols, digits, or uppercase letters"}}
	}
	if score > 2 {
		return consumer.Feedback{Suggestions: []string{}}
	}
	longest := seq[0]
	for _, m := range seq[1:] {
		if utf8.RuneCountInString(m.Token) > utf8.RuneCountInString(longest.Token) {
			longest = m
		}
	}
	warning, suggestions := matchFeedback(longest, len(seq) == 1)
	return consumer.Feedback{Warning: warning, Suggestions: append([]string{"Add another word or two. Uncommon words are better."}, suggestions...)}
}

var (
	startUpper = regexp.MustCompile(`^[A-Z][^A-Z]+$`)
	allUpper   = regexp.MustCompile(`^[^a-z]+$`)
)

func matchFeedback(m *match.Match, sole bool) (warning string, suggestions []string) {
	switch m.Pattern {
	case "dictionary":
		return dictionaryFeedback(m, sole)
	case "spatial":
		warning = "Short keyboard patterns are easy to guess"
		if m.Turns == 1 {
			warning = "Straight rows of keys are easy to guess"
		}
		return warning, []string{"Use a longer keyboard pattern with more turns"}
	case "repeat":
		warning = `Repeats like "abcabcabc" are only slightly harder to guess than "abc"`
		if utf8.RuneCountInString(m.BaseToken) == 1 {
			warning = `Repeats like "aaa" are easy to guess`
		}
		return warning, []string{"Avoid repeated words and characters"}
	case "sequence":
		return "Sequences like abc or 6543 are easy to guess", []string{"Avoid sequences"}
	case "regex":
		if m.RegexName == "recent_year" {
			return "Recent years are easy to guess", []string{"Avoid recent years", "Avoid years that are associated with you"}
		}
	case "date":
		return "Dates are often easy to guess", []string{"Avoid dates and years that are associated with you"}
	}
	return "", nil
}

func dictionaryFeedback(m *match.Match, sole bool) (warning string, suggestions []string) {
	switch m.DictionaryName {
	case "passwords":
		switch {
		case sole && !m.L33t && !m.Reversed && m.Rank <= 10:
			warning = "This is a top-10 common password"
		case sole && !m.L33t && !m.Reversed && m.Rank <= 100:
			warning = "This is a top-100 common password"
		case sole && !m.L33t && !m.Reversed:
			warning = "This is a very common password"
		case m.Guesses > 0 && math.Log10(m.Guesses) <= 4:
			warning = "This is similar to a commonly used password"
		}
	case "english_wikipedia":
		if sole {
			warning = "A word by itself is easy to guess"
		}
	case "surnames", "male_names", "female_names":
		warning = "Common names and surnames are easy to guess"
		if sole {
			warning = "Names and surnames by themselves are easy to guess"
		}
	}
	word := m.Token
	if startUpper.MatchString(word) {
		suggestions = append(suggestions, "Capitalization doesn't help very much")
	} else if allUpper.MatchString(word) && strings.ToLower(word) != word {
		suggestions = append(suggestions, "All-uppercase is almost as easy to guess as all-lowercase")
	}
	if m.Reversed && utf8.RuneCountInString(word) >= 4 {
		suggestions = append(suggestions, "Reversed words aren't much harder to guess")
	}
	if m.L33t {
		suggestions = append(suggestions, "Predictable substitutions like '@' instead of 'a' don't help very much")
	}
	return warning, suggestions
}

// isBreached reports whether password is one of breachedPasswords: an
// exact match, as HaveIBeenPwned's is.
func isBreached(password string) bool { return breachedSet[password] }

var breachedSet = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(breachedPasswords) {
		m[p] = true
	}
	return m
}()

// breachedPasswords are 100 of the passwords most often found in public
// breach corpora, one per field. Tests that need a breached password that
// zxcvbn still scores well can use "correcthorsebatterystaple".
const breachedPasswords = `
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon
123123 baseball abc123 football monkey letmein 696969 shadow master 666666
qwertyuiop 123321 mustang 1234567890 michael 654321 superman 1qaz2wsx 7777777 121212
000000 qazwsx 123qwe killer trustno1 jordan jennifer zxcvbnm asdfgh hunter
buster soccer harley batman andrew tigger sunshine iloveyou 2000 charlie
robert thomas hockey ranger daniel starwars klaster 112233 george computer
michelle jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777
pass maggie 159753 aaaaaa ginger princess joshua cheese amanda summer
love ashley nicole chelsea biteme matthew access yankees 987654321 dallas
austin thunder taylor matrix Password1 P@ssw0rd passw0rd welcome admin correcthorsebatterystaple
`
