//! Personal tokens. A token must never reach output, logs, debug prints or exports,
//! so it lives in a type whose Debug and Display show only a masked form.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A personal token as the user gave it: either the literal token or a reference
/// `env:VAR` resolved at use time (so the token need not be stored at all).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Token(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the personal token is empty: paste the token from Lightspeed (Setup → Personal Tokens), or use env:VAR")]
    Empty,
    #[error(
        "the personal token contains spaces or control characters: paste only the token itself"
    )]
    BadChars,
    #[error(
        "env:{0} names no set environment variable: export {0}=<token> first, or paste the token"
    )]
    EnvMissing(String),
    // Never echoes what followed "env:": a shell may have expanded `env:$TOKEN` into the token.
    #[error("\"env:\" must be followed by an environment variable name of letters, digits and _ only, e.g. env:LIGHTSPEED_TOKEN")]
    EnvName,
}

impl Token {
    /// Validates the form of what the user typed (not whether the store accepts it).
    pub fn parse(raw: &str) -> Result<Token, TokenError> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(TokenError::Empty);
        }
        if let Some(var) = t.strip_prefix("env:") {
            if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(TokenError::EnvName);
            }
            return Ok(Token(t.to_string()));
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(TokenError::BadChars);
        }
        Ok(Token(t.to_string()))
    }

    /// The token to put in the Authorization header. Only the HTTP client calls this.
    pub fn reveal(&self) -> Result<String, TokenError> {
        match self.0.strip_prefix("env:") {
            Some(var) => match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
                _ => Err(TokenError::EnvMissing(var.to_string())),
            },
            None => Ok(self.0.clone()),
        }
    }

    pub fn is_env_ref(&self) -> bool {
        self.0.starts_with("env:")
    }

    /// What may be shown: `env:VAR` as is (it is not secret), else the last four characters.
    pub fn masked(&self) -> String {
        if self.is_env_ref() {
            return self.0.clone();
        }
        let n = self.0.chars().count();
        if n <= 8 {
            return "••••".to_string();
        }
        let tail: String = self.0.chars().skip(n - 4).collect();
        format!("••••{tail}")
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({})", self.masked())
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_the_token() {
        let t = Token::parse("lsxs_pt_SUPERSECRETVALUE1234").unwrap();
        assert!(!format!("{t:?}").contains("SUPERSECRET"));
        assert!(!format!("{t}").contains("SUPERSECRET"));
        assert_eq!(t.masked(), "••••1234");
    }

    #[test]
    fn rejects_bad_forms() {
        assert_eq!(Token::parse("  "), Err(TokenError::Empty));
        assert_eq!(Token::parse("abc def"), Err(TokenError::BadChars));
        assert_eq!(Token::parse("env:"), Err(TokenError::EnvName));
        assert_eq!(Token::parse("env:A-B"), Err(TokenError::EnvName));
        assert!(Token::parse("env:LS_TOKEN").is_ok());
    }
}
