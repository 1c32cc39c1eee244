package secrets

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// KMSErrorClass is why AWS KMS did not encrypt or decrypt a data key, in
// the terms a developer acts on: ask the key's team for access, fix the
// key, or get credentials.
type KMSErrorClass string

// The classes of KMSError.
const (
	// KMSAccessDenied: the key policy or IAM does not let the identity use
	// the key (AccessDeniedException), or the key's role cannot be assumed.
	KMSAccessDenied KMSErrorClass = "AccessDenied"
	// KMSKeyNotFound: no such key or alias in that account and region
	// (NotFoundException).
	KMSKeyNotFound KMSErrorClass = "KeyNotFound"
	// KMSKeyDisabled: the key is disabled (DisabledException).
	KMSKeyDisabled KMSErrorClass = "KeyDisabled"
	// KMSKeyUnavailable: the key is pending deletion, pending import or
	// unavailable (KMSInvalidStateException).
	KMSKeyUnavailable KMSErrorClass = "KeyUnavailable"
	// KMSNoCredentials: the AWS configuration chain found no credentials
	// (or the key's aws_profile does not exist).
	KMSNoCredentials KMSErrorClass = "NoCredentials"
	// KMSBadCredentials: AWS rejected the credentials (unknown, expired,
	// badly signed).
	KMSBadCredentials KMSErrorClass = "CredentialsRejected"
	// KMSWrongCiphertext: the encrypted data key does not belong to this
	// key and encryption context (InvalidCiphertextException,
	// IncorrectKeyException).
	KMSWrongCiphertext KMSErrorClass = "InvalidCiphertext"
	// KMSUnreachable: the request did not reach KMS.
	KMSUnreachable KMSErrorClass = "Unreachable"
	// KMSOtherError: anything else KMS answered.
	KMSOtherError KMSErrorClass = "Error"
)

// Text is the class in the words the CLI and the TUI use.
func (c KMSErrorClass) Text() string {
	switch c {
	case KMSAccessDenied:
		return "access denied"
	case KMSKeyNotFound:
		return "key not found"
	case KMSKeyDisabled:
		return "key disabled"
	case KMSKeyUnavailable:
		return "key pending deletion or unavailable"
	case KMSNoCredentials:
		return "no AWS credentials"
	case KMSBadCredentials:
		return "AWS credentials rejected"
	case KMSWrongCiphertext:
		return "wrong key or encryption context"
	case KMSUnreachable:
		return "KMS unreachable"
	}
	return "error"
}

// KMSError is a failed AWS KMS call for a key, classified, with AWS's own
// one-line message, never the SDK's chain of wrapped errors.
type KMSError struct {
	Class KMSErrorClass
	// Code is AWS's error code (AccessDeniedException, ...); "" when no
	// answer came.
	Code string
	// Message is AWS's message, or what berth found (no credentials: where
	// it looked).
	Message string
	// Err is the SDK's error, for errors.As; not printed.
	Err error
}

func (e *KMSError) Error() string {
	msg := "AWS KMS: " + e.Class.Text()
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

func (e *KMSError) Unwrap() error { return e.Err }

// maxMessage caps AWS's message in an error line.
const maxMessage = 300

// classifyKMS turns an SDK error of a KMS call into a *KMSError; a
// cancelled context is returned as is.
func classifyKMS(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return &KMSError{Class: classOf(api.ErrorCode()), Code: api.ErrorCode(), Message: oneLine(api.ErrorMessage()), Err: err}
	}
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		msg := "the request was not sent"
		var op *net.OpError
		if errors.As(err, &op) {
			msg = op.Error()
		}
		return &KMSError{Class: KMSUnreachable, Message: oneLine(msg), Err: err}
	}
	return &KMSError{Class: KMSOtherError, Message: oneLine(err.Error()), Err: err}
}

// classOf maps an AWS error code to its class.
func classOf(code string) KMSErrorClass {
	switch code {
	case "AccessDeniedException", "AccessDenied":
		return KMSAccessDenied
	case "NotFoundException":
		return KMSKeyNotFound
	case "DisabledException":
		return KMSKeyDisabled
	case "KMSInvalidStateException", "KeyUnavailableException":
		return KMSKeyUnavailable
	case "UnrecognizedClientException", "InvalidSignatureException", "IncompleteSignature", "ExpiredTokenException", "ExpiredToken", "InvalidClientTokenId", "SignatureDoesNotMatch":
		return KMSBadCredentials
	case "InvalidCiphertextException", "IncorrectKeyException":
		return KMSWrongCiphertext
	}
	return KMSOtherError
}

// credentialsError classifies a failure to get credentials for a key: a
// missing aws_profile, STS refusing the key's role, or nothing found.
func credentialsError(ctx context.Context, err error, profile, role string) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var noProfile config.SharedConfigProfileNotExistError
	if errors.As(err, &noProfile) {
		return &KMSError{Class: KMSNoCredentials, Message: fmt.Sprintf("the key's aws_profile %q is not in the shared AWS config or credentials files", profile), Err: err}
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		e := &KMSError{Class: classOf(api.ErrorCode()), Code: api.ErrorCode(), Message: oneLine(api.ErrorMessage()), Err: err}
		if role != "" {
			e.Message = "assume role " + role + ": " + e.Message
		}
		return e
	}
	where := "none in the environment (AWS_ACCESS_KEY_ID, AWS_PROFILE), the shared config and credentials files, SSO, web identity or instance metadata"
	if profile != "" {
		where = fmt.Sprintf("profile %q has none usable", profile)
	}
	return &KMSError{Class: KMSNoCredentials, Message: where, Err: err}
}

// oneLine is s on one line, at most maxMessage bytes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxMessage {
		s = s[:maxMessage] + "…"
	}
	return s
}
