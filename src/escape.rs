//! Text echoed from input, made safe for the one line a reply or a log line may be.
//!
//! Hosts, role ARNs, annotations and the causes other programs give all reach stderr, the log
//! file and the protocol's reply line. Whoever wrote them must not be able to start a second,
//! forged line, drive the terminal, or make one host look like another; and a cause that spans
//! lines must still fit the one line the credential-helper protocol allows.

/// `text` with every control character, line separator and format character escaped (`\n`,
/// `\u{1b}`, `\u{2028}`, `\u{202e}`...), so that whatever was echoed from input (a host, a
/// role ARN, an annotation) cannot start a second, forged line, drive a terminal, or show
/// something other than what it is (a right-to-left override that reverses the rest of the
/// line, a zero-width character that makes two hosts look alike).
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(needs_escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Characters that may not reach a log line or a reply as they are: controls (Cc), format
/// characters (Cf) and the line and paragraph separators.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_format(c)
}

/// Unicode's general category Cf ("Other, format") as of Unicode 16.0: bidirectional controls,
/// zero-width characters, the byte order mark, the soft hyphen, interlinear annotation marks
/// and tag characters. std has no general category and a crate's tables would be a hundred
/// times this one; a unit test compares it with the Unicode tables of `regex-syntax`, so a
/// newer Unicode version that adds to the category is noticed.
const FORMAT: &[(char, char)] = &[
    ('\u{ad}', '\u{ad}'),
    ('\u{600}', '\u{605}'),
    ('\u{61c}', '\u{61c}'),
    ('\u{6dd}', '\u{6dd}'),
    ('\u{70f}', '\u{70f}'),
    ('\u{890}', '\u{891}'),
    ('\u{8e2}', '\u{8e2}'),
    ('\u{180e}', '\u{180e}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{fff9}', '\u{fffb}'),
    ('\u{110bd}', '\u{110bd}'),
    ('\u{110cd}', '\u{110cd}'),
    ('\u{13430}', '\u{1343f}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{e0001}', '\u{e0001}'),
    ('\u{e0020}', '\u{e007f}'),
];

fn is_format(c: char) -> bool {
    // Below the soft hyphen, the first of them, nothing to look up: most text is ASCII.
    c >= '\u{ad}'
        && FORMAT
            .binary_search_by(|&(low, high)| {
                if high < c {
                    std::cmp::Ordering::Less
                } else if low > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
}

/// Folds a multi-line cause (SDK error chains can span lines) into the one line the protocol
/// allows.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("plain host:5000"), "plain host:5000");
        assert_eq!(
            escape_controls("arn:aws:iam::1:role/x\necr-login: forged\r\u{1b}[2J\t"),
            "arn:aws:iam::1:role/x\\necr-login: forged\\r\\u{1b}[2J\\t"
        );
    }

    #[test]
    fn escape_keeps_one_line() {
        assert_eq!(escape_controls("plain:arn/x"), "plain:arn/x");
        assert_eq!(
            escape_controls("a\nb\r\tc\u{1b}[31m\u{85}\u{2028}d"),
            "a\\nb\\r\\tc\\u{1b}[31m\\u{85}\\u{2028}d"
        );
        assert_eq!(
            escape_controls("üñí"),
            "üñí",
            "printable text is left alone"
        );
    }

    #[test]
    fn format_characters_are_escaped() {
        // A right-to-left override would show `moc.live` as `evil.com`; bidi isolates, marks
        // and zero-width characters disguise what is there.
        assert_eq!(
            escape_controls("x.dkr.ecr.\u{202e}moc.live"),
            "x.dkr.ecr.\\u{202e}moc.live"
        );
        for c in [
            '\u{61c}',
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{200e}',
            '\u{200f}',
            '\u{202a}',
            '\u{202b}',
            '\u{202c}',
            '\u{202d}',
            '\u{2060}',
            '\u{2064}',
            '\u{2066}',
            '\u{2069}',
            '\u{feff}',
            '\u{ad}',
            '\u{180e}',
            '\u{fff9}',
            '\u{fffb}',
            '\u{e0001}',
            '\u{e0020}',
            '\u{e007f}',
        ] {
            let text = format!("a{c}b");
            assert_eq!(escape_controls(&text), format!("a\\u{{{:x}}}b", c as u32));
        }
        for c in [
            '\u{ac}',
            '\u{ae}',
            '\u{2010}',
            '\u{2065}',
            '\u{fffc}',
            '\u{e0080}',
            'ü',
            '中',
        ] {
            assert!(!needs_escape(c), "{c:?}");
        }
    }

    /// The table is the whole category Cf, as the Unicode tables of `regex-syntax` have it.
    #[test]
    fn the_format_table_is_unicode_category_cf() {
        use regex_syntax::hir::{Class, HirKind};
        let hir = regex_syntax::parse(r"\p{Cf}").unwrap();
        let HirKind::Class(Class::Unicode(class)) = hir.kind() else {
            panic!("{hir:?}");
        };
        let cf: Vec<(char, char)> = class.iter().map(|r| (r.start(), r.end())).collect();
        assert_eq!(FORMAT, cf.as_slice());
        for c in (0..=0x10_ffff).filter_map(char::from_u32) {
            let in_cf = cf.iter().any(|&(low, high)| low <= c && c <= high);
            assert_eq!(is_format(c), in_cf, "{c:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn escaped_text_is_one_line(text in "(\\PC|\\p{Cc}|\\p{Cf}|\u{2028}|\u{2029}){0,100}") {
            let escaped = escape_controls(&text);
            proptest::prop_assert!(!escaped.chars().any(needs_escape));
            proptest::prop_assert!(escaped.lines().count() <= 1);
        }
    }

    #[test]
    fn one_line_folds_whitespace() {
        assert_eq!(one_line("a\n  b\r\nc\t"), "a b c");
    }
}
