//! Which API endpoint a registry's token comes from.
//!
//! FIPS and dual-stack come from the registry host, the environment (`AWS_USE_FIPS_ENDPOINT`,
//! `AWS_USE_DUALSTACK_ENDPOINT`, already in [`Registry`]) and the profile
//! (`use_fips_endpoint`, `use_dualstack_endpoint`, which the SDK config carries); an endpoint
//! the user configured (`AWS_ENDPOINT_URL_ECR`, a profile's `endpoint_url`, ...) wins over
//! all, because the SDK's endpoint rules reject either flag together with a custom endpoint. The URL itself is only
//! worked out for `doctor` and debug logs; the SDK resolves it again for the call.

use aws_types::SdkConfig;
use aws_types::service_config::ServiceConfigKey;

use crate::core::registry::{Registry, Service};

/// The URL the SDK will call: the override, else what the SDK's endpoint rules give for the
/// region and flags. Only used for the trace.
pub async fn api_endpoint(
    registry: &Registry,
    endpoint: &Option<String>,
    (fips, dual_stack): (bool, bool),
) -> String {
    if let Some(url) = endpoint {
        return url.clone();
    }
    // The two SDKs generate the same resolver under different types.
    macro_rules! resolve {
        ($sdk:ident) => {{
            use $sdk::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
            let params = Params::builder()
                .region(registry.region.clone())
                .use_fips(fips)
                .use_dual_stack(dual_stack)
                .build();
            match params {
                Ok(params) => DefaultResolver::new().resolve_endpoint(&params).await.ok(),
                Err(_) => None,
            }
        }};
    }
    let resolved = match registry.service {
        Service::Private { .. } | Service::PrivateInRegion => resolve!(aws_sdk_ecr),
        Service::Public => resolve!(aws_sdk_ecrpublic),
    };
    resolved.map_or_else(
        || "(no endpoint for this region)".to_owned(),
        |e| e.url().to_owned(),
    )
}

/// The endpoint URL the user configured for a service (`AWS_ENDPOINT_URL_<SERVICE>`, profile
/// `endpoint_url` or `services` section, `AWS_ENDPOINT_URL`), resolved the way the SDK does.
pub fn endpoint_override(sdk: &SdkConfig, service_id: &str) -> Option<String> {
    let key = ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    sdk.service_config()
        .and_then(|conf| conf.load_config(key))
        .or_else(|| sdk.endpoint_url().map(str::to_owned))
}

/// FIPS and dual-stack: the registry's (host or environment), else the profile's as the SDK
/// loaded them (`profile`, `None` when unset); an explicit endpoint wins over all, because
/// the SDK's endpoint rules reject either flag together with a custom endpoint.
pub fn endpoint_flags(
    registry: &Registry,
    endpoint: &Option<String>,
    profile: (Option<bool>, Option<bool>),
) -> (bool, bool) {
    if endpoint.is_some() {
        (false, false)
    } else {
        (
            registry.fips || profile.0.unwrap_or(false),
            registry.dual_stack || profile.1.unwrap_or(false),
        )
    }
}

/// The flags the SDK config carries (environment first, then the profile).
pub fn sdk_flags(sdk: &SdkConfig) -> (Option<bool>, Option<bool>) {
    (sdk.use_fips(), sdk.use_dual_stack())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The URL `api_endpoint` (the SDK's own rules, fed our flags) gives for a host.
    fn endpoint_for(host: &str, endpoint: Option<&str>) -> String {
        endpoint_with(Registry::parse(host).expect("ECR host"), endpoint)
    }

    fn endpoint_with(registry: Registry, endpoint: Option<&str>) -> String {
        let endpoint = endpoint.map(str::to_owned);
        let flags = endpoint_flags(&registry, &endpoint, (None, None));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(api_endpoint(&registry, &endpoint, flags))
    }

    #[test]
    fn host_forms_select_the_right_api_endpoint() {
        let table = [
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                "https://api.ecr.us-east-1.amazonaws.com",
            ),
            (
                "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com",
                "https://api.ecr-fips.us-east-1.amazonaws.com",
            ),
            (
                "123456789012.dkr-ecr.us-east-1.on.aws",
                "https://ecr.us-east-1.api.aws",
            ),
            (
                "123456789012.dkr-ecr-fips.us-east-1.on.aws",
                "https://ecr-fips.us-east-1.api.aws",
            ),
            (
                "public.ecr.aws",
                "https://api.ecr-public.us-east-1.amazonaws.com",
            ),
        ];
        for (host, url) in table {
            assert_eq!(endpoint_for(host, None), url, "{host}");
        }
    }

    #[test]
    fn an_override_wins_over_fips_and_dual_stack() {
        let registry = Registry::parse("123456789012.dkr-ecr-fips.us-east-1.on.aws").unwrap();
        assert_eq!(
            endpoint_flags(
                &registry,
                &Some("http://127.0.0.1:1".into()),
                (Some(true), Some(true))
            ),
            (false, false)
        );
        assert_eq!(
            endpoint_for(&registry.host, Some("http://127.0.0.1:1")),
            "http://127.0.0.1:1"
        );
    }

    #[test]
    fn settings_and_profiles_select_endpoints_for_plain_hosts() {
        let plain = Registry::parse("123456789012.dkr.ecr.us-east-1.amazonaws.com").unwrap();
        assert_eq!(
            endpoint_flags(&plain, &None, (Some(true), None)),
            (true, false),
            "the profile's use_fips_endpoint"
        );
        let fips_host = Registry::parse("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com");
        assert_eq!(
            endpoint_flags(&fips_host.unwrap(), &None, (Some(false), Some(false))),
            (true, false),
            "a FIPS host forces FIPS"
        );
        let table = [
            (
                (true, false),
                "https://api.ecr-fips.us-east-1.amazonaws.com",
            ),
            ((false, true), "https://ecr.us-east-1.api.aws"),
            ((true, true), "https://ecr-fips.us-east-1.api.aws"),
        ];
        for ((fips, dual), url) in table {
            let registry = plain.clone().with_settings(Some(fips), Some(dual));
            assert_eq!(endpoint_with(registry, None), url);
            let region = Registry::for_region("us-east-1").unwrap();
            assert_eq!(
                endpoint_with(region.with_settings(Some(fips), Some(dual)), None),
                url
            );
        }
        let public = Registry::parse("public.ecr.aws").unwrap();
        assert_eq!(
            endpoint_with(public.with_settings(None, Some(true)), None),
            "https://ecr-public.us-east-1.api.aws"
        );
    }
}
