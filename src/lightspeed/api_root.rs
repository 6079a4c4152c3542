//! Where a store's API lives: `https://{prefix}.retail.lightspeed.app/api/{version}`,
//! or, for the simulator, an override origin that may be plain http only on loopback.

use reqwest::Url;
use std::fmt;
use std::net::IpAddr;

pub const DEFAULT_API_VERSION: &str = "2026-07";
const STORE_SUFFIX: &str = ".retail.lightspeed.app";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RootError {
    #[error("{0:?} is not a domain prefix: expected the XXX of https://XXX.retail.lightspeed.app, e.g. mystore")]
    BadPrefix(String),
    #[error("{0:?} is not an API version: expected a date version such as 2026-07 (or 2.0)")]
    BadVersion(String),
    #[error("{0:?} is not a URL: expected e.g. http://127.0.0.1:7878")]
    BadUrl(String),
    #[error(
        "plain http is only allowed to loopback (127.0.0.1, ::1, localhost); use https for {0}"
    )]
    InsecureRemote(String),
    /// Holds the origin with the user-info removed: the password is never shown.
    #[error("the API root {0} must not carry a user name or password (user:…@): lsbridge sends only the personal token; give the origin alone, e.g. {0}")]
    UserInfo(String),
}

/// The origin requests go to plus the version segment.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiRoot {
    origin: Url,
    version: String,
    prefix: Option<String>,
}

impl fmt::Debug for ApiRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiRoot({})", self.versioned())
    }
}

/// A normalised domain prefix and, when the input needed normalising, a notice to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    pub prefix: String,
    pub notice: Option<String>,
}

/// Accepts `mystore`, `MyStore`, `mystore.retail.lightspeed.app` or
/// `https://mystore.retail.lightspeed.app/...` and returns `mystore`.
pub fn normalize_prefix(input: &str) -> Result<Prefix, RootError> {
    let raw = input.trim();
    let bad = || RootError::BadPrefix(raw.to_string());
    if raw.is_empty() {
        return Err(bad());
    }
    let lower = raw.to_ascii_lowercase();
    let mut host = lower.as_str();
    let mut changed = false;
    for scheme in ["https://", "http://"] {
        if let Some(rest) = host.strip_prefix(scheme) {
            host = rest;
            changed = true;
        }
    }
    if let Some(i) = host.find(['/', '?', '#']) {
        host = &host[..i];
        changed = true;
    }
    if let Some(p) = host.strip_suffix(STORE_SUFFIX) {
        host = p;
        changed = true;
    } else if changed {
        // A URL to some other host is not a Lightspeed store.
        return Err(bad());
    }
    let valid = !host.is_empty()
        && host.len() <= 63
        && host
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !host.starts_with('-')
        && !host.ends_with('-');
    if !valid {
        return Err(bad());
    }
    let notice = (changed || lower != raw).then(|| {
        format!("domain prefix normalised from {raw:?} to {host:?} (only the XXX of XXX.retail.lightspeed.app is needed)")
    });
    Ok(Prefix {
        prefix: host.to_string(),
        notice,
    })
}

pub fn validate_version(v: &str) -> Result<(), RootError> {
    let ok_date = v.len() == 7
        && v.as_bytes()[4] == b'-'
        && v[..4].chars().all(|c| c.is_ascii_digit())
        && v[5..].chars().all(|c| c.is_ascii_digit())
        && matches!(v[5..].parse::<u8>(), Ok(1..=12));
    let ok_legacy = matches!(v, "2.0" | "2.1");
    if ok_date || ok_legacy {
        Ok(())
    } else {
        Err(RootError::BadVersion(v.to_string()))
    }
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

impl ApiRoot {
    pub fn for_store(prefix: &str, version: &str) -> Result<ApiRoot, RootError> {
        let p = normalize_prefix(prefix)?;
        validate_version(version)?;
        let origin = Url::parse(&format!("https://{}{}", p.prefix, STORE_SUFFIX))
            .map_err(|_| RootError::BadPrefix(prefix.to_string()))?;
        Ok(ApiRoot {
            origin,
            version: version.to_string(),
            prefix: Some(p.prefix),
        })
    }

    /// An explicit origin (the simulator, a proxy). `http` only to loopback, so a token is
    /// never sent in clear over a network.
    pub fn with_origin(origin: &str, version: &str) -> Result<ApiRoot, RootError> {
        validate_version(version)?;
        let url = Url::parse(origin.trim()).map_err(|_| RootError::BadUrl(origin.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback_host(&url) => {}
            "http" => return Err(RootError::InsecureRemote(origin.to_string())),
            _ => return Err(RootError::BadUrl(origin.to_string())),
        }
        if url.host().is_none() {
            return Err(RootError::BadUrl(origin.to_string()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            // Credentials in the URL would be stored and listed in clear, and sent to the
            // origin on every request beside the token.
            let mut shown = url.clone();
            let _ = shown.set_username("");
            let _ = shown.set_password(None);
            shown.set_path("");
            shown.set_query(None);
            shown.set_fragment(None);
            return Err(RootError::UserInfo(
                shown.as_str().trim_end_matches('/').to_string(),
            ));
        }
        let mut origin = url;
        origin.set_path("");
        origin.set_query(None);
        origin.set_fragment(None);
        Ok(ApiRoot {
            origin,
            version: version.to_string(),
            prefix: None,
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    pub fn host(&self) -> String {
        match (self.origin.host_str(), self.origin.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => self.origin.to_string(),
        }
    }

    /// `https://x.retail.lightspeed.app/api/2026-07`
    pub fn versioned(&self) -> String {
        format!(
            "{}/api/{}",
            self.origin.as_str().trim_end_matches('/'),
            self.version
        )
    }

    /// A path relative to the versioned root (`/products`) or absolute (`/api/2.0/inventory`).
    pub fn url(&self, path: &str) -> Result<Url, RootError> {
        let full = if path.starts_with("/api/") {
            format!("{}{}", self.origin.as_str().trim_end_matches('/'), path)
        } else {
            format!("{}{}", self.versioned(), path)
        };
        Url::parse(&full).map_err(|_| RootError::BadUrl(full))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_with_user_info_is_refused_without_showing_the_password() {
        for (origin, shown) in [
            ("http://user:secret@127.0.0.1:7878", "http://127.0.0.1:7878"),
            (
                "https://admin@proxy.example.com/x?y",
                "https://proxy.example.com",
            ),
            ("http://:secret@localhost:9", "http://localhost:9"),
        ] {
            let e = ApiRoot::with_origin(origin, DEFAULT_API_VERSION).unwrap_err();
            assert_eq!(e, RootError::UserInfo(shown.to_string()), "{origin}");
            assert!(!e.to_string().contains("secret"), "{e}");
            assert!(!e.to_string().contains("admin"), "{e}");
        }
        assert!(ApiRoot::with_origin("http://127.0.0.1:7878", DEFAULT_API_VERSION).is_ok());
    }

    #[test]
    fn prefixes() {
        assert_eq!(normalize_prefix("mystore").unwrap().prefix, "mystore");
        assert!(normalize_prefix("mystore").unwrap().notice.is_none());
        let p = normalize_prefix("https://mystore.retail.lightspeed.app/").unwrap();
        assert_eq!(p.prefix, "mystore");
        assert!(p.notice.is_some());
        assert_eq!(
            normalize_prefix("MyStore.retail.lightspeed.app")
                .unwrap()
                .prefix,
            "mystore"
        );
        for bad in [
            "",
            " ",
            "my store",
            "https://evil.example.com/",
            "-abc",
            "abc-",
            "a.b",
            "ümlaut",
            &"x".repeat(64),
            "https://.retail.lightspeed.app",
        ] {
            assert!(normalize_prefix(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn origins() {
        assert!(ApiRoot::with_origin("http://127.0.0.1:7878", "2026-07").is_ok());
        assert!(ApiRoot::with_origin("http://localhost:1", "2026-07").is_ok());
        assert!(ApiRoot::with_origin("http://[::1]:1", "2026-07").is_ok());
        assert!(matches!(
            ApiRoot::with_origin("http://10.0.0.5:80", "2026-07"),
            Err(RootError::InsecureRemote(_))
        ));
        assert!(ApiRoot::with_origin("https://proxy.example.com", "2026-07").is_ok());
        assert!(ApiRoot::with_origin("ftp://127.0.0.1", "2026-07").is_err());
        assert!(ApiRoot::with_origin("not a url", "2026-07").is_err());
        let r = ApiRoot::with_origin("http://127.0.0.1:9/ignored?x", "2026-07").unwrap();
        assert_eq!(
            r.url("/products").unwrap().as_str(),
            "http://127.0.0.1:9/api/2026-07/products"
        );
        assert_eq!(
            r.url("/api/2.0/inventory").unwrap().as_str(),
            "http://127.0.0.1:9/api/2.0/inventory"
        );
    }

    #[test]
    fn versions() {
        assert!(validate_version("2026-07").is_ok());
        assert!(validate_version("2.0").is_ok());
        for bad in ["2026-13", "26-07", "latest", "", "2026_07"] {
            assert!(validate_version(bad).is_err(), "{bad}");
        }
    }
}
