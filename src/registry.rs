//! Which registry a client is talking about.
//!
//! Clients hand us whatever the user typed: `host`, `host:port`, `https://host/v2/...`, with
//! userinfo or in upper case. This module turns that into a [`Registry`] (service, account,
//! region, FIPS, dual-stack) or says "not ECR". The match is anchored on purpose: a helper is
//! often configured for every registry, and `<ecr-host>.evil.example` must never be sent AWS
//! credentials.

use std::fmt;
use std::sync::LazyLock;

use regex_lite::Regex;

/// ECR Public's API lives in us-east-1 whatever the caller's region is.
pub const PUBLIC_REGION: &str = "us-east-1";

/// The private ECR host grammar (SPEC §3). Group 1 account, 2 FIPS, 3 region, 4 domain.
static PRIVATE_HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{12})\.dkr[.-]ecr(-fips)?\.([a-z0-9][a-z0-9_-]*)\.(amazonaws\.com|amazonaws\.com\.cn|amazonaws\.eu|on\.aws|on\.amazonwebservices\.com\.cn|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$",
    )
    .expect("the private ECR host pattern is valid")
});

/// Domains that only serve dual-stack (IPv4 + IPv6) ECR endpoints.
const DUAL_STACK_DOMAINS: &[&str] = &["on.aws", "on.amazonwebservices.com.cn"];

/// The two ECR services, which have different APIs and signing names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Service {
    /// Private ECR: one registry per account and region.
    Private { account: String },
    /// ECR Public (`public.ecr.aws`), one global registry.
    Public,
}

/// A parsed ECR registry: everything needed to pick an API endpoint and a cache entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Registry {
    /// The normalised host name (no scheme, port, path; lower case).
    pub host: String,
    pub service: Service,
    /// The API region: the host's region for private ECR, us-east-1 for ECR Public.
    pub region: String,
    /// The host asks for FIPS endpoints.
    pub fips: bool,
    /// The host is an IPv6-capable (dual-stack) name.
    pub dual_stack: bool,
}

impl Registry {
    /// Parses what a client sent. `None` means "not an ECR registry".
    pub fn parse(input: &str) -> Option<Registry> {
        Self::from_host(&normalise(input))
    }

    /// Parses an already normalised host name.
    pub fn from_host(host: &str) -> Option<Registry> {
        match host {
            "public.ecr.aws" | "ecr-public.aws.com" => {
                return Some(Registry {
                    host: host.to_owned(),
                    service: Service::Public,
                    region: PUBLIC_REGION.to_owned(),
                    fips: false,
                    dual_stack: host == "ecr-public.aws.com",
                });
            }
            _ => {}
        }
        let caps = PRIVATE_HOST.captures(host)?;
        let domain = caps.get(4).map_or("", |m| m.as_str());
        Some(Registry {
            host: host.to_owned(),
            service: Service::Private {
                account: caps[1].to_owned(),
            },
            region: caps[3].to_owned(),
            fips: caps.get(2).is_some(),
            dual_stack: DUAL_STACK_DOMAINS.contains(&domain),
        })
    }

    /// The AWS account of a private registry.
    pub fn account(&self) -> Option<&str> {
        match &self.service {
            Service::Private { account } => Some(account),
            Service::Public => None,
        }
    }

    pub fn is_public(&self) -> bool {
        self.service == Service::Public
    }
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.host)
    }
}

/// Reduces client input to a bare, lower-case host name.
///
/// Strips surrounding whitespace, an `http://`/`https://` scheme in any case, userinfo, path,
/// query, fragment and port, and one trailing dot.
pub fn normalise(input: &str) -> String {
    let host = host_and_port(input);
    let host = strip_port(host);
    let host = host.strip_suffix('.').unwrap_or(host);
    host.to_ascii_lowercase()
}

/// The `host[:port]` part of client input, as given (case kept): what keys a kubelet or
/// docker config entry.
pub fn host_and_port(input: &str) -> &str {
    let mut rest = input.trim();
    for scheme in ["https://", "http://"] {
        // `get` rather than slicing: the input is arbitrary text, not necessarily ASCII.
        if rest
            .get(..scheme.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
        {
            rest = &rest[scheme.len()..];
            break;
        }
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    match authority.rfind('@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    }
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // An IPv6 literal; never ECR, and its colons are not a port separator.
        return host;
    }
    match host.rfind(':') {
        Some(colon) => &host[..colon],
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn private(host: &str) -> (String, String, bool, bool) {
        let r = Registry::parse(host).unwrap_or_else(|| panic!("{host} should be ECR"));
        (
            r.account().expect("private").to_owned(),
            r.region,
            r.fips,
            r.dual_stack,
        )
    }

    #[test]
    fn every_partition_and_variant_is_recognised() {
        let table = [
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                "us-east-1",
                false,
                false,
            ),
            (
                "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
                "us-gov-west-1",
                true,
                false,
            ),
            (
                "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
                "cn-north-1",
                false,
                false,
            ),
            (
                "123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu",
                "eusc-de-east-1",
                false,
                false,
            ),
            (
                "123456789012.dkr-ecr.eu-west-1.on.aws",
                "eu-west-1",
                false,
                true,
            ),
            (
                "123456789012.dkr-ecr-fips.us-east-2.on.aws",
                "us-east-2",
                true,
                true,
            ),
            (
                "123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn",
                "cn-northwest-1",
                false,
                true,
            ),
            (
                "123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov",
                "us-iso-east-1",
                false,
                false,
            ),
            (
                "123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov",
                "us-isob-east-1",
                false,
                false,
            ),
            (
                "123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk",
                "eu-isoe-west-1",
                false,
                false,
            ),
            (
                "123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov",
                "us-isof-south-1",
                false,
                false,
            ),
        ];
        for (host, region, fips, dual) in table {
            assert_eq!(
                private(host),
                ("123456789012".to_owned(), region.to_owned(), fips, dual),
                "{host}"
            );
        }
    }

    #[test]
    fn client_decorations_are_tolerated() {
        let host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
        for input in [
            host.to_owned(),
            format!("  {host}\n"),
            format!("https://{host}"),
            format!("HTTP://{host}"),
            format!("HttpS://{host}/v2/repo/manifests/latest?x=1"),
            format!("{host}:443"),
            format!("https://user:pw@{host}:5000/v2/"),
            format!("{host}."),
            format!("{host}.:443"),
            host.to_uppercase(),
            format!("{host}#frag"),
        ] {
            let r = Registry::parse(&input).unwrap_or_else(|| panic!("{input:?} should be ECR"));
            assert_eq!(r.host, host, "{input:?}");
            assert_eq!(r.region, "eu-west-1");
        }
    }

    #[test]
    fn public_hosts() {
        let r = Registry::parse("https://public.ecr.aws/v2/").expect("public");
        assert!(r.is_public());
        assert_eq!(
            (r.region.as_str(), r.fips, r.dual_stack),
            ("us-east-1", false, false)
        );
        let r = Registry::parse("ECR-PUBLIC.AWS.COM").expect("public dual-stack");
        assert!(r.is_public() && r.dual_stack);
    }

    #[test]
    fn look_alikes_are_not_ecr() {
        for input in [
            "",
            "docker.io",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example",
            "evil.example/123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "x123456789012.dkr.ecr.us-east-1.amazonaws.com",
            "12345678901.dkr.ecr.us-east-1.amazonaws.com",
            "1234567890123.dkr.ecr.us-east-1.amazonaws.com",
            "123456789012.dkr.ecr..amazonaws.com",
            "123456789012.dkr.ecr.-bad.amazonaws.com",
            "123456789012.dkr_ecr.us-east-1.amazonaws.com",
            "123456789012.dkr.ecr.us-east-1.amazonaws.org",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com..",
            "public.ecr.aws.evil.example",
            "evilpublic.ecr.aws",
            "[::1]:5000",
            "user@",
        ] {
            assert_eq!(Registry::parse(input), None, "{input:?}");
        }
    }

    #[test]
    fn host_and_port_keeps_the_port_for_keys() {
        assert_eq!(
            host_and_port("https://u@Reg.Example:5443/v2/x"),
            "Reg.Example:5443"
        );
        assert_eq!(host_and_port("localhost:5443"), "localhost:5443");
    }

    const ECR_DOMAINS: &[&str] = &[
        ".amazonaws.com",
        ".amazonaws.com.cn",
        ".amazonaws.eu",
        ".on.aws",
        ".on.amazonwebservices.com.cn",
        ".sc2s.sgov.gov",
        ".c2s.ic.gov",
        ".cloud.adc-e.uk",
        ".csp.hci.ic.gov",
    ];

    proptest! {
        #[test]
        fn parser_never_panics_and_only_accepts_ecr_domains(input in ".{0,200}") {
            if let Some(r) = Registry::parse(&input) {
                let host = normalise(&input);
                prop_assert_eq!(&r.host, &host);
                prop_assert!(
                    r.is_public() || ECR_DOMAINS.iter().any(|d| host.ends_with(d)),
                    "accepted {:?}", host
                );
            }
        }

        #[test]
        fn generated_ecr_hosts_are_accepted(
            account in "[0-9]{12}",
            region in "[a-z]{2}-[a-z]{4,9}-[1-9]",
            fips in any::<bool>(),
            domain in proptest::sample::select(ECR_DOMAINS),
            scheme in proptest::sample::select(&["", "https://", "HTTP://"][..]),
            port in proptest::option::of(1u16..),
            path in "(/[a-z0-9]{0,8}){0,3}",
        ) {
            let dkr = if domain.starts_with(".on.") { "dkr-ecr" } else { "dkr.ecr" };
            let fips_part = if fips { "-fips" } else { "" };
            let host = format!("{account}.{dkr}{fips_part}.{region}{domain}");
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let r = Registry::parse(&format!("{scheme}{host}{port}{path}"));
            let r = r.expect("generated host is ECR");
            prop_assert_eq!(r.account(), Some(account.as_str()));
            prop_assert_eq!(r.region, region);
            prop_assert_eq!(r.fips, fips);
            prop_assert_eq!(r.dual_stack, domain.starts_with(".on."));
        }
    }
}
