//! A profile's role chain, read as the AWS SDK reads it, to find the roles that need an MFA
//! code.
//!
//! The walk is the SDK's (aws-config's `profile/credentials/repr.rs`): from the selected
//! profile along `source_profile`, a profile with `role_arn` is a role to assume; the chain
//! ends at a profile without one, at `credential_source`, at a profile naming itself, or,
//! past the first profile, at one with static keys, which then win over its own `role_arn`.
//! Only a chain with `mfa_serial` somewhere becomes a [`Plan`]; anything the SDK would refuse
//! (a loop, a missing profile, both `source_profile` and `credential_source`) is left to the
//! SDK, which says what is wrong.

use aws_config::profile::{Profile, ProfileSet};
use aws_credential_types::Credentials;

use crate::error::Error;

/// Longest chain followed, as in `files.rs`.
const MAX_CHAIN: usize = 16;

/// A role to assume, with the settings of the profile that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub profile: String,
    pub role_arn: String,
    pub mfa_serial: Option<String>,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    /// `duration_seconds`, when it is a number (the AWS CLI ignores it otherwise).
    pub duration_seconds: Option<i32>,
}

/// Where the first role's credentials come from.
#[derive(Debug)]
pub enum Base {
    /// Static keys of a source profile (or of a profile naming itself).
    Keys(Credentials),
    /// `credential_source` of the first role's profile: `Environment`, `Ec2InstanceMetadata`
    /// or `EcsContainer`.
    Named { profile: String, source: String },
    /// A source profile without a role (SSO, `credential_process`, `aws login`...): the SDK's
    /// profile provider for it.
    Profile(String),
}

/// The roles of a chain, first assumed first, and the credentials the first is assumed with.
#[derive(Debug)]
pub struct Plan {
    pub base: Base,
    pub hops: Vec<Hop>,
}

/// The plan of the selected profile's chain, if some role in it has `mfa_serial`.
pub fn plan(set: &ProfileSet) -> Result<Option<Plan>, Error> {
    let mut name = set.selected_profile();
    let mut visited: Vec<&str> = Vec::new();
    let mut hops = Vec::new();
    let base = loop {
        let Some(profile) = set.get_profile(name) else {
            return Ok(None);
        };
        if visited.contains(&name) || visited.len() >= MAX_CHAIN {
            return Ok(None);
        }
        visited.push(name);
        if visited.len() > 1
            && let Some(keys) = static_keys(profile)
        {
            break Base::Keys(keys);
        }
        let Some(hop) = hop(profile) else {
            if visited.len() == 1 {
                return Ok(None);
            }
            break Base::Profile(name.to_owned());
        };
        hops.push(hop);
        match (
            profile.get("source_profile"),
            profile.get("credential_source"),
        ) {
            (Some(source), None) if source == name => match static_keys(profile) {
                Some(keys) => break Base::Keys(keys),
                // The SDK would use whatever else the profile holds; the AWS CLI refuses it.
                None => {
                    return Err(unsupported(
                        name,
                        "names itself as source_profile without aws_access_key_id and aws_secret_access_key",
                    ));
                }
            },
            (Some(source), None) => name = source,
            (None, Some(source)) => {
                break Base::Named {
                    profile: name.to_owned(),
                    source: source.to_owned(),
                };
            }
            _ => return Ok(None),
        }
    };
    if hops.iter().all(|hop| hop.mfa_serial.is_none()) {
        return Ok(None);
    }
    hops.reverse();
    Ok(Some(Plan { base, hops }))
}

/// The role `profile` names; a web identity profile's role is its own credential source.
fn hop(profile: &Profile) -> Option<Hop> {
    if profile.get("web_identity_token_file").is_some() {
        return None;
    }
    let text = |key: &str| profile.get(key).map(str::to_owned);
    Some(Hop {
        profile: profile.name().to_owned(),
        role_arn: text("role_arn")?,
        mfa_serial: text("mfa_serial"),
        external_id: text("external_id"),
        session_name: text("role_session_name"),
        duration_seconds: profile
            .get("duration_seconds")
            .and_then(|d| d.trim().parse().ok()),
    })
}

/// Both static keys of `profile`, with its session token if any.
fn static_keys(profile: &Profile) -> Option<Credentials> {
    let mut builder = Credentials::builder()
        .access_key_id(profile.get("aws_access_key_id")?)
        .secret_access_key(profile.get("aws_secret_access_key")?)
        .provider_name("ProfileFile");
    builder.set_session_token(profile.get("aws_session_token").map(str::to_owned));
    Some(builder.build())
}

fn unsupported(profile: &str, what: &str) -> Error {
    Error::CredentialsFailed {
        profile: Some(profile.to_owned()),
        cause: format!("profile {profile:?} {what}"),
        hint: Some("give it a source_profile with credentials, or credential_source".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str, selected: &str) -> ProfileSet {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(&config, text).unwrap();
        let env = aws_types::os_shim_internal::Env::from_slice(&[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ]);
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(aws_config::profile::load(
                &aws_types::os_shim_internal::Fs::real(),
                &env,
                &Default::default(),
                Some(selected.to_owned().into()),
            ))
            .unwrap()
    }

    const KEYS: &str = "aws_access_key_id = AKIDBASE\naws_secret_access_key = s\n";

    fn roles(plan: &Plan) -> Vec<(&str, Option<&str>)> {
        plan.hops
            .iter()
            .map(|h| (h.profile.as_str(), h.mfa_serial.as_deref()))
            .collect()
    }

    #[test]
    fn a_chain_without_mfa_is_the_sdks() {
        let text = format!(
            "[profile top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = base\n\
             [profile base]\n{KEYS}[profile keys]\n{KEYS}"
        );
        assert!(plan(&set(&text, "top")).unwrap().is_none());
        assert!(plan(&set(&text, "keys")).unwrap().is_none());
        assert!(plan(&set(&text, "missing")).unwrap().is_none());
    }

    #[test]
    fn mfa_on_the_selected_profile() {
        let text = format!(
            "[profile prod]\nrole_arn = arn:aws:iam::1:role/admin\nsource_profile = base\n\
             mfa_serial = arn:aws:iam::1:mfa/alice\nexternal_id = ext\nrole_session_name = me\n\
             duration_seconds = 7200\n[profile base]\n{KEYS}"
        );
        let plan = plan(&set(&text, "prod")).unwrap().unwrap();
        assert_eq!(
            plan.hops,
            [Hop {
                profile: "prod".into(),
                role_arn: "arn:aws:iam::1:role/admin".into(),
                mfa_serial: Some("arn:aws:iam::1:mfa/alice".into()),
                external_id: Some("ext".into()),
                session_name: Some("me".into()),
                duration_seconds: Some(7200),
            }]
        );
        assert!(matches!(&plan.base, Base::Keys(k) if k.access_key_id() == "AKIDBASE"));
    }

    #[test]
    fn mfa_on_a_source_profile_of_the_chain() {
        let text = "[profile app]\nrole_arn = arn:aws:iam::2:role/app\nsource_profile = admin\n\
             duration_seconds = soon\n\
             [profile admin]\nrole_arn = arn:aws:iam::1:role/admin\nsource_profile = sso\n\
             mfa_serial = arn:aws:iam::1:mfa/alice\n\
             [profile sso]\nsso_session = s\nsso_account_id = 1\nsso_role_name = r\n\
             [sso-session s]\nsso_region = us-east-1\nsso_start_url = https://x.example/start\n";
        let plan = plan(&set(text, "app")).unwrap().unwrap();
        assert_eq!(
            roles(&plan),
            [("admin", Some("arn:aws:iam::1:mfa/alice")), ("app", None)]
        );
        assert_eq!(plan.hops[1].duration_seconds, None, "not a number");
        assert!(matches!(&plan.base, Base::Profile(p) if p == "sso"));
    }

    #[test]
    fn static_keys_past_the_first_profile_end_the_chain() {
        // `mid` has keys: they are the source, its own role and mfa_serial are not used.
        let text = format!(
            "[profile top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = mid\n\
             [profile mid]\nrole_arn = arn:aws:iam::1:role/mid\nsource_profile = base\n\
             mfa_serial = arn:aws:iam::1:mfa/mid\n{KEYS}[profile base]\n{KEYS}"
        );
        assert!(plan(&set(&text, "top")).unwrap().is_none());
        let plan = plan(&set(&text, "mid")).unwrap().unwrap();
        assert_eq!(roles(&plan), [("mid", Some("arn:aws:iam::1:mfa/mid"))]);
    }

    #[test]
    fn credential_source_and_self_reference_are_bases() {
        let text = format!(
            "[profile ec2]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata\n\
             mfa_serial = arn:aws:iam::1:mfa/a\n\
             [profile self]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = self\n\
             mfa_serial = arn:aws:iam::1:mfa/a\n{KEYS}\
             [profile bare]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = bare\n\
             mfa_serial = arn:aws:iam::1:mfa/a\n\
             [profile loop]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = loop2\n\
             mfa_serial = arn:aws:iam::1:mfa/a\n\
             [profile loop2]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = loop\n"
        );
        let ec2 = plan(&set(&text, "ec2")).unwrap().unwrap();
        assert!(
            matches!(&ec2.base, Base::Named { profile, source } if profile == "ec2" && source == "Ec2InstanceMetadata")
        );
        let own = plan(&set(&text, "self")).unwrap().unwrap();
        assert!(matches!(&own.base, Base::Keys(_)));
        let e = plan(&set(&text, "bare")).unwrap_err().to_string();
        assert!(e.contains("names itself"), "{e}");
        assert!(
            plan(&set(&text, "loop")).unwrap().is_none(),
            "the SDK's error"
        );
    }
}
