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
fn a_region_alone_is_the_callers_registry() {
    for region in [
        "eu-west-1",
        "us-gov-west-1",
        "cn-north-1",
        "eusc-de-east-1",
        "us-isob-east-1",
        "ap-southeast-5",
    ] {
        let r = Registry::for_region(region).unwrap_or_else(|e| panic!("{region}: {e}"));
        assert_eq!(r.region, region);
        assert_eq!((r.account(), r.is_public(), r.fips), (None, false, false));
        assert_eq!(Registry::parse(&r.host), None, "never a host: {}", r.host);
    }
    for bad in [
        "",
        "eu-west",
        "EU-WEST-1",
        "eu_west_1",
        "eu-west-1a",
        "eu-west-1 ",
        "1-2-3",
        "eu-west-123",
        "x.eu-west-1",
    ] {
        let err = Registry::for_region(bad).unwrap_err();
        assert!(err.contains("is not an AWS region name"), "{bad:?}: {err}");
    }
}

#[test]
fn settings_turn_flags_on_but_never_off() {
    let plain = Registry::parse("123456789012.dkr.ecr.us-east-1.amazonaws.com").unwrap();
    let both = plain.clone().with_settings(Some(true), Some(true));
    assert!(both.fips && both.dual_stack && both.host == plain.host);
    assert_eq!(plain.clone().with_settings(None, Some(false)), plain);
    let fips = Registry::parse("123456789012.dkr-ecr-fips.us-east-1.on.aws").unwrap();
    assert_eq!(fips.clone().with_settings(Some(false), Some(false)), fips);
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
