package stytchtest

import (
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"

	"github.com/gostytch/stytch/consumer"
)

// Passwords.Migrate's hash types, each verified with its real algorithm.

// equalBytes compares in constant time.
func equalBytes(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// importedHash validates a Migrate request's hash and returns the check of
// a password against it. Error types are from Stytch's migrate reference
// unless marked otherwise.
func importedHash(p *consumer.PasswordsMigrateParams) (func(string) bool, error) {
	h := p.Hash
	switch p.HashType {
	case consumer.HashTypeBcrypt:
		if _, err := bcrypt.Cost([]byte(h)); err != nil {
			return nil, errorf(400, "invalid_bcrypt_hash", "The bcrypt hash is invalid: %v", err)
		}
		return func(pw string) bool { return bcrypt.CompareHashAndPassword([]byte(h), []byte(pw)) == nil }, nil
	case consumer.HashTypeMd5:
		var pre, app string
		if c := p.Md5Config; c != nil {
			pre, app = deref(c.PrependSalt), deref(c.AppendSalt)
		}
		return saltedDigest(h, md5.New, pre, app, "invalid_md_5_hash", "MD-5")
	case consumer.HashTypeSha1:
		var pre, app string
		if c := p.Sha1Config; c != nil {
			pre, app = deref(c.PrependSalt), deref(c.AppendSalt)
		}
		return saltedDigest(h, sha1.New, pre, app, "invalid_sha_1_hash", "SHA-1")
	case consumer.HashTypeSha512:
		var pre, app string
		if c := p.Sha512Config; c != nil {
			pre, app = deref(c.PrependSalt), deref(c.AppendSalt)
		}
		return saltedDigest(h, sha512.New, pre, app, "invalid_sha_512_hash", "SHA-512") // the type is unconfirmed
	case consumer.HashTypeArgon2I, consumer.HashTypeArgon2ID:
		return argon2Hash(h, p.HashType == consumer.HashTypeArgon2ID, p.Argon2Config)
	case consumer.HashTypeScrypt:
		return scryptHash(h, p.ScryptConfig)
	case consumer.HashTypePbkdf2:
		return pbkdf2Hash(h, p.Pbkdf2Config)
	case consumer.HashTypePhpass:
		return phpassHash(h)
	}
	return nil, errorf(400, "invalid_hash_type", "hash_type %q is not supported.", p.HashType)
}

// saltedDigest checks a hex digest of prepend + password + append.
func saltedDigest(hexHash string, newHash func() hash.Hash, prepend, appendSalt, errType, name string) (func(string) bool, error) {
	want, err := hex.DecodeString(hexHash)
	if err != nil || len(want) != newHash().Size() {
		return nil, errorf(400, errType, "The %s hash must be %d hex-encoded bytes.", name, newHash().Size())
	}
	return func(pw string) bool {
		d := newHash()
		d.Write([]byte(prepend + pw + appendSalt))
		return equalBytes(d.Sum(nil), want)
	}, nil
}

func pbkdf2Hash(h string, c *consumer.PBKDF2Config) (func(string) bool, error) {
	if c == nil {
		return nil, errorf(400, errorTypeBadRequest, "pbkdf_2_config is required for a PBKDF2 hash.") // unconfirmed type
	}
	want, err := base64.StdEncoding.DecodeString(h)
	if err != nil || len(want) == 0 {
		return nil, errorf(400, "invalid_pbkdf_2_hash", "The PBKDF2 hash must be base64-encoded.")
	}
	salt, err := base64.StdEncoding.DecodeString(c.Salt)
	if err != nil || len(salt) == 0 {
		return nil, errorf(400, "invalid_pbkdf_2_salt", "The PBKDF2 salt must be base64-encoded.")
	}
	if c.IterationAmount <= 0 {
		return nil, errorf(400, "invalid_pbkdf_2_iteration_amount", "iteration_amount must be positive.")
	}
	if c.KeyLength != len(want) {
		return nil, errorf(400, "pbkdf_2_key_length_mismatch", "The key_length value doesn't match the length of the provided hash.")
	}
	newHash := sha256.New
	if a := c.Algorithm; a != nil && *a == consumer.PBKDF2AlgorithmSha512 {
		newHash = sha512.New
	}
	iter := c.IterationAmount
	return func(pw string) bool {
		got, err := pbkdf2.Key(newHash, pw, salt, iter, len(want))
		return err == nil && equalBytes(got, want)
	}, nil
}

// argon2Hash reads an Argon2 hash in its encoded form
// ($argon2id$v=19$m=65536,t=3,p=4$salt$hash, base64 without padding) or,
// with a config, in hex form (the salt then as given).
func argon2Hash(h string, id bool, c *consumer.Argon2Config) (func(string) bool, error) {
	variant := "argon2i"
	if id {
		variant = "argon2id"
	}
	var salt, want []byte
	var t, m uint32
	var threads uint8
	if c == nil {
		parts := strings.Split(h, "$")
		// "", variant, v=19, m=..,t=..,p=.., salt, hash
		if len(parts) != 6 || parts[0] != "" || parts[1] != variant || parts[2] != "v=19" {
			return nil, errorf(400, "invalid_hash", "The hash is not an encoded %s hash ($%s$v=19$m=...,t=...,p=...$salt$hash).", variant, variant) // unconfirmed type
		}
		var mm, tt, pp int
		for _, kv := range strings.Split(parts[3], ",") {
			k, v, _ := strings.Cut(kv, "=")
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, errorf(400, "invalid_hash", "The %s parameters %q are invalid.", variant, parts[3])
			}
			switch k {
			case "m":
				mm = n
			case "t":
				tt = n
			case "p":
				pp = n
			}
		}
		var err1, err2 error
		salt, err1 = base64.RawStdEncoding.DecodeString(parts[4])
		want, err2 = base64.RawStdEncoding.DecodeString(parts[5])
		if err1 != nil || err2 != nil || mm <= 0 || tt <= 0 || pp <= 0 || pp > 255 || len(want) == 0 {
			return nil, errorf(400, "invalid_hash", "The encoded %s hash is invalid.", variant)
		}
		if len(salt) == 0 {
			return nil, errorf(400, "invalid_argon_2_salt", "The Argon2 salt is invalid.")
		}
		t, m, threads = uint32(tt), uint32(mm), uint8(pp)
	} else {
		var err error
		if want, err = hex.DecodeString(h); err != nil || len(want) == 0 {
			return nil, errorf(400, "invalid_hash", "With argon_2_config, the hash must be hex-encoded.") // unconfirmed type
		}
		if c.KeyLength != len(want) {
			return nil, errorf(400, "argon_2_key_length_mismatch", "The key_length value doesn't match the length of the provided hash.")
		}
		if c.Salt == "" {
			return nil, errorf(400, "invalid_argon_2_salt", "The Argon2 salt is invalid.")
		}
		if c.IterationAmount <= 0 || c.Memory <= 0 || c.Threads <= 0 || c.Threads > 255 {
			return nil, errorf(400, errorTypeBadRequest, "argon_2_config needs positive iteration_amount and memory, and threads from 1 to 255.") // unconfirmed type
		}
		salt, t, m, threads = []byte(c.Salt), uint32(c.IterationAmount), uint32(c.Memory), uint8(c.Threads)
	}
	keyLen := uint32(len(want))
	return func(pw string) bool {
		var got []byte
		if id {
			got = argon2.IDKey([]byte(pw), salt, t, m, threads, keyLen)
		} else {
			got = argon2.Key([]byte(pw), salt, t, m, threads, keyLen)
		}
		return equalBytes(got, want)
	}, nil
}

// scryptHash reads a base64 scrypt hash with its config.
func scryptHash(h string, c *consumer.ScryptConfig) (func(string) bool, error) {
	if c == nil {
		return nil, errorf(400, errorTypeBadRequest, "scrypt_config is required for a scrypt hash.") // unconfirmed type
	}
	want, err := base64.StdEncoding.DecodeString(h)
	if err != nil || len(want) == 0 {
		return nil, errorf(400, "invalid_base64_scrypt_hash", "The scrypt hash must be base64-encoded.")
	}
	salt, err := base64.StdEncoding.DecodeString(c.Salt)
	if err != nil || len(salt) == 0 {
		return nil, errorf(400, "invalid_scrypt_salt_length", "The scrypt salt must be base64-encoded and not empty.")
	}
	if c.KeyLength != len(want) {
		return nil, errorf(400, "scrypt_key_length_mismatch", "The key_length value doesn't match the length of the provided hash.")
	}
	n, r, pp := c.NParameter, c.RParameter, c.PParameter
	if n <= 1 || n > 262144 || n&(n-1) != 0 || r <= 0 || pp <= 0 {
		// Unconfirmed type.
		return nil, errorf(400, errorTypeBadRequest, "scrypt_config needs n_parameter a power of two from 2 to 262144, and positive r_parameter and p_parameter.")
	}
	if _, err := scrypt.Key(nil, salt, n, r, pp, len(want)); err != nil {
		return nil, errorf(400, errorTypeBadRequest, "scrypt_config is invalid: %v", err)
	}
	return func(pw string) bool {
		got, err := scrypt.Key([]byte(pw), salt, n, r, pp, len(want))
		return err == nil && equalBytes(got, want)
	}, nil
}

// phpassItoa64 is phpass's base-64 alphabet.
const phpassItoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// phpassHash reads a phpass portable hash ($P$ or $H$, 34 characters):
// the iteration count's log2 as one character, 8 characters of salt, and
// 22 of MD5 digest.
func phpassHash(h string) (func(string) bool, error) {
	if !strings.HasPrefix(h, "$P$") && !strings.HasPrefix(h, "$H$") {
		return nil, errorf(400, "invalid_phpass_hash_prefix", "A phpass hash starts with $P$ or $H$.")
	}
	if len(h) != 34 {
		return nil, errorf(400, "invalid_hash", "A phpass portable hash is 34 characters long.") // unconfirmed type
	}
	if log2 := strings.IndexByte(phpassItoa64, h[3]); log2 < 7 || log2 > 30 {
		return nil, errorf(400, "invalid_hash", "The phpass iteration count is out of range.") // unconfirmed type
	}
	return func(pw string) bool {
		return subtle.ConstantTimeCompare([]byte(phpassCrypt(pw, h[:12])), []byte(h)) == 1
	}, nil
}

// phpassCrypt hashes password with setting, the first 12 characters of a
// portable hash, as phpass's crypt_private does.
func phpassCrypt(password, setting string) string {
	count := 1 << strings.IndexByte(phpassItoa64, setting[3])
	salt := setting[4:12]
	sum := md5.Sum([]byte(salt + password))
	for ; count > 0; count-- {
		sum = md5.Sum(append(sum[:], password...))
	}
	return setting + phpassEncode64(sum[:])
}

// phpassEncode64 is phpass's encode64: little-endian groups of three bytes,
// six bits at a time.
func phpassEncode64(in []byte) string {
	var b strings.Builder
	for i := 0; i < len(in); {
		v := int(in[i])
		i++
		b.WriteByte(phpassItoa64[v&0x3f])
		if i < len(in) {
			v |= int(in[i]) << 8
		}
		b.WriteByte(phpassItoa64[(v>>6)&0x3f])
		if i >= len(in) {
			break
		}
		i++
		if i < len(in) {
			v |= int(in[i]) << 16
		}
		b.WriteByte(phpassItoa64[(v>>12)&0x3f])
		if i >= len(in) {
			break
		}
		i++
		b.WriteByte(phpassItoa64[(v>>18)&0x3f])
	}
	return b.String()
}
