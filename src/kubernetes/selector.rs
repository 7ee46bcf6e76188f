//! Label selectors as kubectl takes them (`--namespace-selector`), checked before any call.
//!
//! The API server does the selecting: the text goes to it unchanged as `labelSelector`. It is
//! parsed here only so that a typo is a usage error naming the problem, rather than an HTTP
//! 400 after the token was fetched, or worse a selector that parses differently than meant.
//! The grammar is apimachinery's `labels.Parse`: requirements joined by `,` (all must hold),
//! each `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`,
//! `key notin (v1)`, `key>N` or `key<N`.

use super::names::{label_value, qualified_name};

/// Longest selector accepted; far beyond any real one, and it bounds the request line.
const MAX_SELECTOR: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    Word(&'a str),
    Comma,
    Open,
    Close,
    Not,
    Equals,
    DoubleEquals,
    NotEquals,
    Greater,
    Less,
}

fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let Some(c) = rest.chars().next() else {
            return tokens;
        };
        let (token, len) = match c {
            ',' => (Token::Comma, 1),
            '(' => (Token::Open, 1),
            ')' => (Token::Close, 1),
            '>' => (Token::Greater, 1),
            '<' => (Token::Less, 1),
            '=' if rest.starts_with("==") => (Token::DoubleEquals, 2),
            '=' => (Token::Equals, 1),
            '!' if rest.starts_with("!=") => (Token::NotEquals, 2),
            '!' => (Token::Not, 1),
            _ => {
                let len = rest
                    .find(|c: char| c.is_whitespace() || ",()=!<>".contains(c))
                    .unwrap_or(rest.len());
                (Token::Word(&rest[..len]), len)
            }
        };
        tokens.push(token);
        rest = &rest[len..];
    }
}

/// Checks `text`; the error says what is wrong, for a usage message.
pub fn check(text: &str) -> Result<(), String> {
    if text.len() > MAX_SELECTOR {
        return Err(format!("longer than {MAX_SELECTOR} characters"));
    }
    if text.trim().is_empty() {
        return Err("empty (it would select every namespace: use --all-namespaces)".into());
    }
    let tokens = tokens(text);
    let mut at = 0;
    loop {
        at = requirement(&tokens, at)?;
        match tokens.get(at) {
            None => return Ok(()),
            Some(Token::Comma) => at += 1,
            Some(other) => return Err(format!("expected ',' or the end, found {}", show(other))),
        }
    }
}

fn show(token: &Token<'_>) -> String {
    match token {
        Token::Word(w) => format!("{w:?}"),
        Token::Comma => "','".into(),
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
        Token::Not => "'!'".into(),
        Token::Equals => "'='".into(),
        Token::DoubleEquals => "'=='".into(),
        Token::NotEquals => "'!='".into(),
        Token::Greater => "'>'".into(),
        Token::Less => "'<'".into(),
    }
}

fn key(tokens: &[Token<'_>], at: usize) -> Result<(), String> {
    match tokens.get(at) {
        Some(Token::Word(key)) => {
            qualified_name(key).map_err(|e| format!("label key {key:?}: {e}"))
        }
        Some(other) => Err(format!("expected a label key, found {}", show(other))),
        None => Err("expected a label key, found the end".into()),
    }
}

fn value(text: &str) -> Result<(), String> {
    label_value(text).map_err(|e| format!("label value {text:?}: {e}"))
}

/// One requirement starting at `at`; returns where the next token is.
fn requirement(tokens: &[Token<'_>], at: usize) -> Result<usize, String> {
    if tokens.get(at) == Some(&Token::Not) {
        key(tokens, at + 1)?;
        return Ok(at + 2);
    }
    key(tokens, at)?;
    let at = at + 1;
    match tokens.get(at) {
        None | Some(Token::Comma) => Ok(at),
        Some(Token::Equals | Token::DoubleEquals | Token::NotEquals) => match tokens.get(at + 1) {
            None | Some(Token::Comma) => Ok(at + 1),
            Some(Token::Word(v)) => value(v).map(|()| at + 2),
            Some(other) => Err(format!("expected a label value, found {}", show(other))),
        },
        Some(Token::Greater | Token::Less) => match tokens.get(at + 1) {
            Some(Token::Word(v)) if v.parse::<i64>().is_ok() => Ok(at + 2),
            Some(other) => Err(format!(
                "'<' and '>' compare with an integer, found {}",
                show(other)
            )),
            None => Err("'<' and '>' compare with an integer, found the end".into()),
        },
        Some(Token::Word(op @ ("in" | "notin"))) => set(tokens, at + 1, op),
        Some(other) => Err(format!(
            "expected an operator (=, ==, !=, in, notin, <, >), ',' or the end after the key, found {}",
            show(other)
        )),
    }
}

/// The `(v1, v2)` of `in` and `notin`; returns where the next token is.
fn set(tokens: &[Token<'_>], mut at: usize, op: &str) -> Result<usize, String> {
    if tokens.get(at) != Some(&Token::Open) {
        return Err(format!("'{op}' takes a list of values in parentheses"));
    }
    at += 1;
    let mut values = 0;
    // Each round reads an optional value, then ',' or ')'; `(a,)` has an empty value, as
    // apimachinery reads it.
    loop {
        if let Some(Token::Word(v)) = tokens.get(at) {
            value(v)?;
            at += 1;
        }
        values += 1;
        match tokens.get(at) {
            Some(Token::Comma) => at += 1,
            Some(Token::Close) if values == 1 && tokens.get(at - 1) == Some(&Token::Open) => {
                return Err(format!("'{op}' needs at least one value"));
            }
            Some(Token::Close) => return Ok(at + 1),
            Some(other) => return Err(format!("expected ',' or ')' in the values of '{op}', found {}", show(other))),
            None => return Err(format!("the values of '{op}' are not closed with ')'")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_selectors_are_accepted() {
        for good in [
            "team=a",
            "team==a",
            "team!=a",
            "team",
            "!team",
            "team=",
            "env in (prod, staging)",
            "env notin (dev)",
            "env in (a,)",
            "tier>2",
            "tier < -1",
            "ecr-pull=true,env in (prod),!skip",
            " example.com/team = platform , kubernetes.io/metadata.name notin (kube-system,kube-public) ",
            "a=b,c",
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn typos_are_refused_with_the_reason() {
        for (bad, reason) in [
            ("", "empty"),
            ("   ", "empty"),
            ("team=a b", "expected ',' or the end"),
            ("team=a,", "expected a label key, found the end"),
            (",team", "expected a label key, found ','"),
            ("env in prod", "in' takes a list"),
            ("env in ()", "needs at least one value"),
            ("env in (a", "not closed"),
            ("env in (a b)", "expected ',' or ')'"),
            ("tier>x", "integer"),
            ("tier>", "integer"),
            ("Team_=x", "label key"),
            ("team=-x", "label value"),
            ("team=a=b", "expected ',' or the end"),
            ("!team=a", "expected ',' or the end"),
            ("team ~ a", "expected an operator"),
            ("team=(a)", "expected a label value"),
            ("a/b/c=d", "label key"),
        ] {
            let err = check(bad).expect_err(bad);
            assert!(err.contains(reason), "{bad}: {err}");
        }
        assert!(check(&"a".repeat(MAX_SELECTOR + 1)).is_err());
    }
}
