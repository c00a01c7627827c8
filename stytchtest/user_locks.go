package stytchtest

import (
	"time"

	"github.com/gostytch/stytch/consumer"
)

// User locks, as Stytch's "User locks" page describes them with a
// project's default settings: 10 consecutive failed authentications lock
// the user for 1 hour (429 user_lock_limit_reached, from Stytch's 429
// page); a success while unlocked resets the count. The TOTP and recovery
// code checks (totps.go) count; the other families do not yet.
const (
	userLockThreshold = 10
	userLockTTL       = time.Hour
)

type userLock struct {
	failures int
	until    time.Time // zero while not locked
}

// checkUserLock refuses a locked user, and clears a lock that expired.
func (e *Emulator) checkUserLock(u *consumer.User) error {
	l := e.consumer.locks[u.UserID]
	if l == nil || l.until.IsZero() {
		return nil
	}
	if e.now().Before(l.until) {
		return errorf(429, "user_lock_limit_reached", "The user has been locked out due to too many failed authentication attempts. Please try again later.")
	}
	delete(e.consumer.locks, u.UserID)
	u.IsLocked, u.LockExpiresAt = false, nil
	return nil
}

// authFailed counts a failed authentication of u, locking u at the threshold.
func (e *Emulator) authFailed(u *consumer.User) {
	l := e.consumer.locks[u.UserID]
	if l == nil {
		l = &userLock{}
		e.consumer.locks[u.UserID] = l
	}
	l.failures++
	if l.failures >= userLockThreshold {
		l.until = e.now().Add(userLockTTL)
		until := l.until
		u.IsLocked, u.LockExpiresAt = true, &until
	}
}

// authSucceeded resets u's count of failures.
func (e *Emulator) authSucceeded(u *consumer.User) { delete(e.consumer.locks, u.UserID) }
