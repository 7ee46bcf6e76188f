//! The EC2 instance metadata service, asked fairly but briefly.
//!
//! Two places call for opposite trade-offs. Off EC2 (a laptop, a CI runner) nothing is there:
//! the SDK's defaults (4 attempts of 1 s) are what make other helpers hang before they say "no
//! credentials". On an EC2 node it is the only source, and it is sometimes slow or refuses
//! once: at boot, when throttled, or asked for a token from a container beyond the hop limit.
//! So we give up at once where no HTTP answer comes (refused, no route, no connection within
//! [`CONNECT_TIMEOUT`], no reply within [`READ_TIMEOUT`]): nothing is listening. Where it
//! answers with a status it is there, and a failing status is retried with the SDK's backoff,
//! within the command's deadline.

use std::time::Duration;

use aws_config::imds;
use aws_config::provider_config::ProviderConfig;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, SharedRetryClassifier,
};

/// A connection to a link-local service on the same host takes well under a millisecond; a
/// black hole (a laptop's network dropping the packets) never connects.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// A connected service that has not answered in this long is taken as not there. Above the
/// hundreds of milliseconds a busy service takes, far below the 15 s deadline.
const READ_TIMEOUT: Duration = Duration::from_secs(1);

/// Attempts for a request the service answered with a status worth retrying.
const ATTEMPTS: u32 = 4;

/// The metadata client our credential chain uses.
pub fn client(conf: &ProviderConfig) -> imds::Client {
    imds::Client::builder()
        .configure(conf)
        .max_attempts(ATTEMPTS)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .retry_classifier(SharedRetryClassifier::new(AnsweredWithAStatus))
        .build()
}

/// Retries what the service answered with a status that may pass (a server error, throttling,
/// an expired or refused token), never a request that got no answer at all.
#[derive(Debug)]
struct AnsweredWithAStatus;

impl ClassifyRetry for AnsweredWithAStatus {
    fn name(&self) -> &'static str {
        "retry what the metadata service answered with a passing failure"
    }

    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        match ctx.response().map(|r| r.status().as_u16()) {
            Some(429) => RetryAction::throttling_error(),
            Some(status) if retried(status) => RetryAction::server_error(),
            _ => RetryAction::NoActionIndicated,
        }
    }
}

/// 401 is an expired token, 5xx a service under load; 400 (a bad request), 403 (the service
/// is switched off) and 404 (no role on the instance) will not change by asking again.
fn retried(status: u16) -> bool {
    status == 401 || status >= 500
}

/// What the metadata service's failure was, for the "no credentials" hint: whether anything
/// answered decides whether the user looks at the network or at the instance.
pub fn describe(answered: bool, cause: &str) -> String {
    if answered {
        format!("instance metadata answered but failed, after retries: {cause}")
    } else {
        format!("no instance metadata service answered: {cause}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_passing_statuses_are_retried() {
        for status in [401, 500, 503] {
            assert!(retried(status), "{status}");
        }
        for status in [200, 400, 403, 404] {
            assert!(!retried(status), "{status}");
        }
    }
}
