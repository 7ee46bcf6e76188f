//! The default region: where a request that names no region goes.
//!
//! Everywhere else the region comes from the registry host, and that is on purpose (the SDK's
//! own lookup can cost seconds off EC2). One answer has no host to read it from: the kubelet
//! plugin answers a registry mirror with the token of the caller's own registry, as
//! cloud-provider-aws's plugin does, in the region the SDK would pick. So this is the SDK's
//! order, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region` (along its
//! `source_profile` chain), then the instance's region from the metadata service, with our
//! bounds: the files vetted before they are read, the metadata service asked only when nothing
//! else names a region and on the terms of [`super::imds`], everything within the command's
//! deadline. Whatever names the region is checked to be a region's name, since it becomes part
//! of a cache key and of messages.

use std::time::{Duration, Instant};

use aws_config::imds::client::error::ImdsError;
use aws_config::provider_config::ProviderConfig;

use super::error_chain;
use crate::core::registry::is_region;
use crate::env::Env;
use crate::error::Error;
use crate::settings::Settings;

/// The variables the SDK reads the region from, in its order.
pub const REGION_VARS: [&str; 2] = ["AWS_REGION", "AWS_DEFAULT_REGION"];

/// Where the metadata service keeps the instance's region.
const IMDS_REGION_PATH: &str = "/latest/meta-data/placement/region";

/// Longest `source_profile` chain followed for a region, as for the files it names.
const MAX_CHAIN: usize = 16;

/// A region, and what named it (for logs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultRegion {
    pub name: String,
    pub source: String,
}

/// The default region for `profile` (else the environment's profile), or
/// [`Error::NoRegion`] saying where it looked.
pub fn default_region(
    env: &Env,
    profile: Option<&str>,
    settings: &Settings,
) -> Result<DefaultRegion, Error> {
    if let Some(found) = from_environment(env)? {
        return Ok(found);
    }
    super::files::check_environment(env)?;
    let (env_, profile_) = (env.clone(), profile.map(str::to_owned));
    let deadline = settings.deadline;
    let answer = super::until(deadline + super::WATCHDOG_GRACE, move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let left = deadline.saturating_duration_since(Instant::now());
        let result = runtime.block_on(async {
            tokio::time::timeout(left, from_files_or_instance(&env_, profile_.as_deref())).await
        });
        runtime.shutdown_background();
        Ok::<_, std::io::Error>(result)
    });
    match answer {
        Ok(Some(Ok(Ok(found)))) => found,
        Ok(Some(Err(source))) | Err(source) => Err(Error::System {
            action: "start the region lookup",
            source,
        }),
        Ok(None) | Ok(Some(Ok(Err(_)))) => Err(timed_out(settings.timeout)),
    }
}

fn timed_out(after: Duration) -> Error {
    Error::NoRegion {
        tried: format!(
            "looking for one took longer than {} (the instance metadata service?)",
            humantime::format_duration(after)
        ),
    }
}

/// `AWS_REGION`, then `AWS_DEFAULT_REGION`; a value that is not a region's name is an error
/// naming the variable, not a reason to look further (the SDK would use it as it is).
fn from_environment(env: &Env) -> Result<Option<DefaultRegion>, Error> {
    for var in REGION_VARS {
        if let Some(value) = env.get(var) {
            return checked(value, var).map(Some);
        }
    }
    Ok(None)
}

fn checked(name: &str, source: &str) -> Result<DefaultRegion, Error> {
    if is_region(name) {
        Ok(DefaultRegion {
            name: name.to_owned(),
            source: source.to_owned(),
        })
    } else {
        Err(Error::Config(format!(
            "{source} names {name:?}, which is not an AWS region name (such as eu-west-1)"
        )))
    }
}

async fn from_files_or_instance(env: &Env, profile: Option<&str>) -> Result<DefaultRegion, Error> {
    let chosen = profile.or(env.profile()).unwrap_or("default");
    if let Some(found) = from_profile(env, profile).await? {
        return Ok(found);
    }
    let looked =
        format!("AWS_REGION and AWS_DEFAULT_REGION are unset, the profile {chosen:?} names none");
    let disabled = env
        .get("AWS_EC2_METADATA_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if disabled {
        return Err(Error::NoRegion {
            tried: format!(
                "{looked}, and the instance metadata service is off (AWS_EC2_METADATA_DISABLED)"
            ),
        });
    }
    let conf = ProviderConfig::default().with_http_client(super::http::client(env)?);
    match super::imds::client(&conf).get(IMDS_REGION_PATH).await {
        Ok(name) => checked(name.as_ref().trim(), "the instance metadata service"),
        Err(e) => Err(Error::NoRegion {
            tried: format!(
                "{looked}, and {}",
                super::imds::describe(answered(&e), &error_chain(&e))
            ),
        }),
    }
}

/// Whether the metadata service answered at all (a status), rather than not being there.
fn answered(e: &ImdsError) -> bool {
    match e {
        ImdsError::ErrorResponse(_) => true,
        ImdsError::FailedToLoadToken(token) => !token.is_dispatch_failure(),
        _ => false,
    }
}

/// The `region` of the chosen profile, or of the first profile along its `source_profile`
/// chain that has one, as the SDK reads it. A file the SDK cannot parse names no region here;
/// the fetch that follows reports it with its line.
async fn from_profile(env: &Env, profile: Option<&str>) -> Result<Option<DefaultRegion>, Error> {
    let Some(set) = super::files::load_profiles(env, profile).await else {
        return Ok(None);
    };
    let mut name = set.selected_profile().to_owned();
    let mut walked: Vec<String> = Vec::new();
    while let Some(found) = set.get_profile(&name) {
        if walked.contains(&name) || walked.len() >= MAX_CHAIN {
            break;
        }
        if let Some(region) = found.get("region") {
            return checked(region.trim(), &format!("the profile {name:?}")).map(Some);
        }
        walked.push(name);
        match found.get("source_profile") {
            Some(next) => name = next.to_owned(),
            None => break,
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> Result<DefaultRegion, Error> {
        let env = Env::from_pairs(vars.iter().copied());
        let settings = Settings::load(&env).unwrap();
        default_region(&env, None, &settings)
    }

    #[test]
    fn the_environment_comes_first_in_the_sdks_order() {
        let found = lookup(&[
            ("AWS_REGION", "eu-west-3"),
            ("AWS_DEFAULT_REGION", "us-east-2"),
        ]);
        assert_eq!(found.unwrap().name, "eu-west-3");
        let found = lookup(&[("AWS_DEFAULT_REGION", "us-east-2")]).unwrap();
        assert_eq!(
            (found.name.as_str(), found.source.as_str()),
            ("us-east-2", "AWS_DEFAULT_REGION")
        );
        let bad = lookup(&[("AWS_REGION", "eu-west-3\nforged")])
            .unwrap_err()
            .to_string();
        assert!(
            bad.contains("AWS_REGION names") && bad.contains("not an AWS region"),
            "{bad}"
        );
    }

    #[test]
    fn a_profile_names_it_along_its_source_profile_chain() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(
            &config,
            "[profile base]\nregion = ap-south-1\n[profile app]\nsource_profile = base\n\
             [profile loop]\nsource_profile = loop\n[default]\nregion = not a region\n",
        )
        .unwrap();
        let config = config.display().to_string();
        let home = dir.path().display().to_string();
        let with = |profile: &str| {
            lookup(&[
                ("HOME", home.as_str()),
                ("AWS_CONFIG_FILE", config.as_str()),
                ("AWS_PROFILE", profile),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ])
        };
        let found = with("app").unwrap();
        assert_eq!(
            (found.name.as_str(), found.source.as_str()),
            ("ap-south-1", "the profile \"base\"")
        );
        let none = with("loop").unwrap_err().to_string();
        assert!(
            none.contains("the profile \"loop\" names none")
                && none.contains("the instance metadata service is off"),
            "{none}"
        );
        let bad = with("default").unwrap_err().to_string();
        assert!(
            bad.contains("\"not a region\", which is not an AWS region name"),
            "{bad}"
        );
    }
}
