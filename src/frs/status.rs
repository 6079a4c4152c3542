//! The FR state machine as one explicit table. Every status change in lsbridge goes through
//! [`transition`], so a move that the table does not list cannot happen by accident — above all
//! Processed → Failed: once the store has the sale, a later error must never make the FR look
//! unsent (it would be sent twice; MISSION-ANCHORS §1.8).

use std::time::SystemTime;

use super::messages::{self, FrError};
use super::model::{Fr, FrStatus};

use FrStatus::*;

/// Every legal move `(from, to, why it exists)`. Read top to bottom it is the lifecycle.
pub const TRANSITIONS: &[(FrStatus, FrStatus, &str)] = &[
    (
        Unprocessed,
        Processing,
        "released, auto-processing, or launched manually",
    ),
    (Unprocessed, Canceled, "canceled before it was launched"),
    (
        Processing,
        Processing,
        "a send attempt recorded; still to be sent",
    ),
    (Processing, Processed, "the store accepted the sale"),
    (Processing, Failed, "the send failed"),
    (
        Processing,
        AdditionalInfoRequired,
        "the FR or the setup needs a fix before it can be sent",
    ),
    (Processing, Canceled, "canceled while queued"),
    (Processed, Acknowledged, "the store confirmed every line"),
    (Failed, Processing, "retry"),
    (Failed, Canceled, "given up"),
    (AdditionalInfoRequired, Processing, "retry after the fix"),
    (AdditionalInfoRequired, Canceled, "given up"),
    // Canceled, Acknowledged and DuplicateFrNumber are final: nothing leaves them.
];

/// Whether `from → to` is in the table.
pub fn is_allowed(from: FrStatus, to: FrStatus) -> bool {
    TRANSITIONS.iter().any(|(f, t, _)| *f == from && *t == to)
}

/// The statuses reachable from `from` in one move (empty for a final status).
pub fn next_states(from: FrStatus) -> Vec<FrStatus> {
    TRANSITIONS
        .iter()
        .filter(|(f, _, _)| *f == from)
        .map(|(_, t, _)| *t)
        .collect()
}

/// Moves `fr` to `to`, recording `reason` and the time; refuses a move the table does not list
/// with a message naming both statuses and what to do instead. `fr` is untouched on error.
/// This changes the value only; [`super::Frs::transition_and_record`] stores it with its
/// timeline event.
pub fn transition(fr: &mut Fr, to: FrStatus, reason: &str, now: SystemTime) -> Result<(), FrError> {
    let from = fr.status;
    if !is_allowed(from, to) {
        return Err(FrError::IllegalTransition {
            number: fr.number.clone(),
            from,
            to,
            hint: messages::transition_hint(from, to, &next_states(from)),
        });
    }
    fr.status = to;
    fr.reason = reason.to_string();
    fr.updated_at = crate::clock::rfc3339(now);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_states_have_no_way_out_and_processed_never_fails() {
        for s in [Canceled, Acknowledged, DuplicateFrNumber] {
            assert!(next_states(s).is_empty(), "{s}");
            assert!(s.is_final());
        }
        assert!(!is_allowed(Processed, Failed));
        assert!(!is_allowed(Processed, Processing));
        assert!(!Processing.is_final());
    }
}
