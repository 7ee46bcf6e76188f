//! What an AWS API error means for the user: denied, throttled, a server fault, a timeout,
//! an unreachable endpoint. The class decides what happens next (a denial is the answer; the
//! rest may be bridged with a cached token) and the message names the cause in one line.

use std::time::Duration;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::Error;
use crate::escape::one_line;

/// An error and its sources on one line, each cause once.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = one_line(&e.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// Service error codes that mean "these credentials may not do this".
const DENIED_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
];

/// Service error codes that mean "slow down".
const THROTTLING_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "LimitExceededException",
];

/// Classifies an API error; `subject` is what the request was for (a registry, a role).
pub fn api_error<E>(
    subject: &str,
    action: &'static str,
    timeout: Duration,
    err: SdkError<E, HttpResponse>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let host = subject.to_owned();
    match &err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = service.err().code().unwrap_or_default().to_owned();
            let message = one_line(service.err().message().unwrap_or("no message"));
            if DENIED_CODES.contains(&code.as_str()) {
                Error::AccessDenied {
                    registry: host,
                    code,
                    message,
                    action,
                }
            } else if THROTTLING_CODES.contains(&code.as_str()) || status == 429 {
                Error::Throttled {
                    registry: host,
                    code: if code.is_empty() {
                        format!("HTTP {status}")
                    } else {
                        code
                    },
                    message,
                }
            } else {
                let code = if code.is_empty() {
                    "no error code".to_owned()
                } else {
                    code
                };
                Error::Service {
                    registry: host,
                    detail: format!("HTTP {status} ({code}): {message}"),
                    // 4xx is an answer about the request; 5xx, or an error shape in a 2xx
                    // reply (a truncated body), is the server's fault.
                    transient: !(400..500).contains(&status),
                }
            }
        }
        SdkError::TimeoutError(_) => Error::TimedOut {
            registry: host,
            after: timeout,
        },
        SdkError::DispatchFailure(_) => Error::Network {
            registry: host,
            cause: error_chain(&err),
        },
        SdkError::ResponseError(_) => Error::Service {
            registry: host,
            detail: format!("unreadable reply: {}", error_chain(&err)),
            transient: true,
        },
        _ => Error::Service {
            registry: host,
            detail: error_chain(&err),
            transient: false,
        },
    }
}
