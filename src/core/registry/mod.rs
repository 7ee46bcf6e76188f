//! Which registry a client is talking about.
//!
//! Clients hand us whatever the user typed: `host`, `host:port`, `https://host/v2/...`, with
//! userinfo or in upper case. This module turns that into a [`Registry`] (service, account,
//! region, FIPS, dual-stack) or says "not ECR". The match is anchored on purpose: a helper is
//! often configured for every registry, and `<ecr-host>.evil.example` must never be sent AWS
//! credentials. `password --region R` names no host at all: [`Registry::for_region`] models
//! "the caller's own registry in R", whose account only AWS knows.

use std::fmt;
use std::sync::LazyLock;

use regex_lite::Regex;

/// ECR Public's host, for `password --public`.
pub const PUBLIC_HOST: &str = "public.ecr.aws";

/// ECR Public's API lives in us-east-1 whatever the caller's region is.
pub const PUBLIC_REGION: &str = "us-east-1";

/// The private ECR host grammar. Group 1 account, 2 FIPS, 3 region, 4 domain.
static PRIVATE_HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{12})\.dkr[.-]ecr(-fips)?\.([a-z0-9][a-z0-9_-]*)\.(amazonaws\.com|amazonaws\.com\.cn|amazonaws\.eu|on\.aws|on\.amazonwebservices\.com\.cn|sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$",
    )
    .expect("the private ECR host pattern is valid")
});

/// An AWS region name: `us-east-1`, `us-gov-west-1`, `eusc-de-east-1`, `us-isob-east-1`.
static REGION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$").expect("the region pattern is valid")
});

/// Domains that only serve dual-stack (IPv4 + IPv6) ECR endpoints.
const DUAL_STACK_DOMAINS: &[&str] = &["on.aws", "on.amazonwebservices.com.cn"];

/// The two ECR services, which have different APIs and signing names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Service {
    /// Private ECR: one registry per account and region.
    Private { account: String },
    /// The caller's own private registry in a region (`password --region`): the same API and
    /// token as [`Service::Private`], but the account is whichever the credentials belong to.
    PrivateInRegion,
    /// ECR Public (`public.ecr.aws`), one global registry.
    Public,
}

/// A parsed ECR registry: everything needed to pick an API endpoint and a cache entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Registry {
    /// The normalised host name (no scheme, port, path; lower case). For
    /// [`Service::PrivateInRegion`] it is `region <R>`: what messages name, and never a host
    /// (it has a space), so its cache entries are never listed or served for a host.
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

    /// The caller's private registry in `region` (`password --region`), or why `region` is
    /// not one. The host and the flags are not known: FIPS and dual-stack come from the
    /// settings ([`Registry::with_settings`]).
    pub fn for_region(region: &str) -> Result<Registry, String> {
        if !is_region(region) {
            return Err(format!(
                "--region {region:?} is not an AWS region name (such as eu-west-1)"
            ));
        }
        Ok(Registry {
            host: format!("region {region}"),
            service: Service::PrivateInRegion,
            region: region.to_owned(),
            fips: false,
            dual_stack: false,
        })
    }

    /// This registry with the FIPS and dual-stack settings applied (`AWS_USE_FIPS_ENDPOINT`,
    /// `AWS_USE_DUALSTACK_ENDPOINT`): a setting can turn a flag on for a plain host, but a
    /// FIPS or dual-stack host keeps its own whatever the setting says.
    pub fn with_settings(mut self, fips: Option<bool>, dual_stack: Option<bool>) -> Registry {
        self.fips |= fips.unwrap_or(false);
        self.dual_stack |= dual_stack.unwrap_or(false);
        self
    }

    /// The AWS account of a private registry.
    pub fn account(&self) -> Option<&str> {
        match &self.service {
            Service::Private { account } => Some(account),
            Service::PrivateInRegion | Service::Public => None,
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

/// Whether `name` has the shape of an AWS region's name (`eu-west-1`).
pub fn is_region(name: &str) -> bool {
    REGION.is_match(name)
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
mod tests;
