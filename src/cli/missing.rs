//! The status page's missing items as the command line words them: what is missing, then
//! the command that fixes it.

use crate::source::Missing;

/// One line: what `m` lacks in `source`, and the command to run.
pub fn missing_line(m: &Missing, source: &str) -> String {
    match m {
        Missing::NoConnection => {
            format!("{m}: pick one (lsbridge source set {source} --connection C)")
        }
        Missing::UnknownConnection { .. } => format!("{m}: add it with lsbridge connection add"),
        Missing::TestFailed { connection } | Missing::Untested { connection } => {
            format!("{m}: run lsbridge connection test {connection}")
        }
        Missing::NotFulfilling => format!("{m} (set fulfills orders to yes)"),
        Missing::SendIds { .. } => m.to_string(),
        Missing::BadBusinessHours { .. } => format!(
            "{m}: fix them with lsbridge source set {source} --business-hours \"{}\" or --no-business-hours",
            crate::source::business_hours::EXAMPLE
        ),
        Missing::NoTemplate => m.to_string(),
        Missing::UnknownTemplate { .. } => format!("{m}: see lsbridge template list"),
        Missing::BadTemplate { .. } => m.to_string(),
    }
}

/// A status check as `source show` prints it (and its JSON holds it): `Err` with the line.
pub fn check_words(r: &Result<(), Missing>, source: &str) -> Result<(), String> {
    r.as_ref().map_err(|m| missing_line(m, source)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_items_are_worded_as_commands() {
        let m = Missing::Untested {
            connection: "demo".into(),
        };
        assert_eq!(
            missing_line(&m, "harbor"),
            "connection \"demo\" has not passed Test Connection yet: run lsbridge connection test demo"
        );
        assert!(missing_line(&Missing::NoConnection, "harbor")
            .contains("lsbridge source set harbor --connection"));
    }
}
