package transport

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeError: any body, any status, gives an error that keeps the HTTP
// status and holds only valid, bounded UTF-8; it never panics.
func FuzzDecodeError(f *testing.F) {
	f.Add(404, []byte(`{"status_code":400,"error_type":"session_not_found","error_message":"m"}`))
	f.Add(400, []byte(`{"error":"invalid_client","error_description":"d"}`))
	f.Add(502, []byte("<html>\xff\xfe</html>"))
	f.Add(500, []byte(`{"error_type":7}`))
	f.Add(429, []byte(""))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := DecodeError(status, body)
		if e.StatusCode != status {
			t.Fatalf("status %d became %d", status, e.StatusCode)
		}
		if !utf8.ValidString(e.Body) || len(e.Body) > snippetBytes+len("…") {
			t.Fatalf("bad snippet %q", e.Body)
		}
		_ = e.Error()
	})
}

// FuzzPathEscape: whatever an ID holds ("/", "..", "?", "#", "%"), the
// escaped value stays exactly one path segment and decodes back to itself.
func FuzzPathEscape(f *testing.F) {
	for _, s := range []string{"member-test-1", "a/b", "..", ".", "a?b#c", "100%", "%2F", "../../admin", " ", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if id == "" {
			return // rejected before any I/O by Required
		}
		u, err := url.Parse("https://test.stytch.com/v1/users/" + PathEscape(id) + "/sessions")
		if err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("%q leaked into the query or fragment: %s", id, u)
		}
		segs := strings.Split(u.EscapedPath(), "/")
		if len(segs) != 5 || segs[1] != "v1" || segs[2] != "users" || segs[4] != "sessions" {
			t.Fatalf("%q changed the path: %s", id, u.EscapedPath())
		}
		if segs[3] == "." || segs[3] == ".." {
			t.Fatalf("%q is a dot segment on the wire", id)
		}
		back, err := url.PathUnescape(segs[3])
		if err != nil || back != id {
			t.Fatalf("%q came back as %q (%v)", id, back, err)
		}
	})
}

// FuzzRequestID: whatever a cut-short body or a proxy's header holds, the
// request ID found is empty or short and safe to print; it never panics.
func FuzzRequestID(f *testing.F) {
	f.Add("", []byte(`{"request_id":"request-id-test-1","user":{`))
	f.Add("hdr", []byte(`{"request_id" : "a\"b"}`))
	f.Add("a\nb", []byte(`{"request_id":"`))
	f.Add("", []byte(`"request_id":"request_id":"x"`))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		id := requestID(http.Header{"X-Request-Id": {header}}, body)
		if id != "" && !plausibleID(id) {
			t.Fatalf("implausible request ID %q", id)
		}
	})
}
