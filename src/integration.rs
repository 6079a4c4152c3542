//! The three integrations of a source, as one type for every layer: templates, checkpoints,
//! jobs, run records, engine events, the scheduler and both front ends.

use serde::{Deserialize, Serialize};

/// One of a source's three integrations. Serialised as its [`Integration::name`]; run
/// records from before this type was shared say `send-frs`, which still reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Integration {
    Primary,
    Secondary,
    #[serde(alias = "send-frs")]
    SendFrs,
}

impl Integration {
    pub const ALL: [Integration; 3] = [
        Integration::Primary,
        Integration::Secondary,
        Integration::SendFrs,
    ];

    /// The one name on screen, in the seed's words.
    pub fn label(self) -> &'static str {
        match self {
            Integration::Primary => "Get Inventory (Primary)",
            Integration::Secondary => "Get Inventory (Secondary)",
            Integration::SendFrs => "Send FRs",
        }
    }

    /// The label without "Get Inventory", for columns and step names.
    pub fn short_label(self) -> &'static str {
        match self {
            Integration::Primary => "Primary",
            Integration::Secondary => "Secondary",
            Integration::SendFrs => "Send FRs",
        }
    }

    /// The word typed on the command line (`lsbridge run send-frs`) and shown in logs.
    pub fn key(self) -> &'static str {
        match self {
            Integration::Primary => "primary",
            Integration::Secondary => "secondary",
            Integration::SendFrs => "send-frs",
        }
    }

    /// The serialised name (stored templates, checkpoints, the daemon protocol).
    pub fn name(self) -> &'static str {
        match self {
            Integration::Primary => "primary",
            Integration::Secondary => "secondary",
            Integration::SendFrs => "send_frs",
        }
    }

    /// Reads a [`Integration::key`] or [`Integration::name`].
    pub fn parse(s: &str) -> Option<Integration> {
        Integration::ALL
            .into_iter()
            .find(|i| i.key() == s || i.name() == s)
    }
}

impl std::fmt::Display for Integration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_the_names_and_old_run_spelling_reads() {
        for i in Integration::ALL {
            let json = serde_json::to_string(&i).unwrap();
            assert_eq!(json, format!("\"{}\"", i.name()));
            assert_eq!(serde_json::from_str::<Integration>(&json).unwrap(), i);
            assert_eq!(Integration::parse(i.key()), Some(i));
        }
        assert_eq!(
            serde_json::from_str::<Integration>("\"send-frs\"").unwrap(),
            Integration::SendFrs
        );
    }
}
