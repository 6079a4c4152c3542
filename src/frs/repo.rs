//! `Frs`: the FRs and their timelines in the store (trees `frs` and `fr_events`, key layouts in
//! `store::trees`).
//!
//! A status change and its timeline event are written in one sled transaction across both
//! trees, reading the FR inside it: two writers (a send run and a `fr cancel` in the TUI) cannot
//! both act on the same old status, and a crash never leaves a change without its event.
//! Event sequence numbers come from `Store::generate_id`, which is monotonic across restarts, so
//! one FR's events sort in the order they were written.
//!
//! Nothing here flushes: callers flush at their durability points (end of an import before the
//! file is moved, end of a CLI command, end of a send run).

use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};

use super::messages::{self, FrError};
use super::model::{Fr, FrStatus};
use super::status;
use crate::store::{keys, trees, Record, Store, StoreError, Table};

/// One line of an FR's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct FrEvent {
    /// RFC 3339, UTC.
    pub at: String,
    /// The FR's status after the event (display name).
    pub status: String,
    /// What happened: one of [`kind`].
    pub kind: String,
    pub reason: String,
    /// The run that wrote it (a Send FRs run id), if any.
    pub run: Option<u64>,
}

impl Record for FrEvent {
    const VERSION: u16 = 1;
}

/// Event kinds. Plain strings in the store so later kinds need no migration.
pub mod kind {
    pub const IMPORTED: &str = "imported";
    /// A status change (the event's `status` is the new one).
    pub const STATUS: &str = "status";
    /// A send attempt (the send job).
    pub const ATTEMPT: &str = "attempt";
    /// A retry, by the send job after a transient failure or by `fr retry`.
    pub const RETRY: &str = "retry";
    /// The send job looked up a sale after an unclear outcome.
    pub const RECONCILE: &str = "reconcile";
    /// The same FR number arrived again and was not imported.
    pub const DUPLICATE: &str = "duplicate";
    /// The hold was lifted (`fr release` on an FR already Processing).
    pub const RELEASE: &str = "release";
    pub const NOTE: &str = "note";
}

/// Typed access to the FR trees. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Frs {
    frs: Table<Fr>,
    events: Table<FrEvent>,
    store: Store,
}

type TxResult<T> = Result<T, ConflictableTransactionError<FrError>>;

fn abort<T>(e: impl Into<FrError>) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(e.into()))
}

/// FRs per transaction in [`Frs::insert_new_many`].
const INSERT_CHUNK: usize = 1000;

fn from_tx(e: TransactionError<FrError>) -> FrError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => FrError::Store(StoreError::Sled(e)),
    }
}

impl Frs {
    pub fn open(store: &Store) -> Result<Frs, StoreError> {
        Ok(Frs {
            frs: store.table(trees::FRS)?,
            events: store.table(trees::FR_EVENTS)?,
            store: store.clone(),
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn get(&self, source: u64, number: &str) -> Result<Option<Fr>, StoreError> {
        self.frs.get(&keys::u64_str(source, number))
    }

    /// Like [`Frs::get`], but a missing FR is [`FrError::NotFound`].
    pub fn require(&self, source: u64, number: &str) -> Result<Fr, FrError> {
        self.get(source, number)?.ok_or_else(|| FrError::NotFound {
            source_id: source,
            number: number.to_string(),
        })
    }

    /// Insert or replace, without an event and without the state machine. For fields the
    /// state machine does not own (line states, sale id, attempts) prefer
    /// [`Frs::update_with_event`], which also guards against concurrent changes.
    pub fn put(&self, fr: &Fr) -> Result<(), StoreError> {
        self.frs.put(&keys::u64_str(fr.source, &fr.number), fr)?;
        Ok(())
    }

    /// FRs of one source (or all), optionally of one status, ordered by source id then FR number.
    pub fn list(
        &self,
        source: Option<u64>,
        status: Option<FrStatus>,
    ) -> Result<Vec<Fr>, StoreError> {
        let rows = match source {
            Some(id) => self.frs.scan_prefix(keys::u64_prefix(id)),
            None => self.frs.iter(),
        };
        let mut out = Vec::new();
        for row in rows {
            let (_, fr) = row?;
            if status.is_none_or(|s| fr.status == s) {
                out.push(fr);
            }
        }
        Ok(out)
    }

    /// What a Send FRs run should send now: Processing FRs of `source` whose hold has passed,
    /// oldest import first.
    pub fn due(&self, source: u64, now: SystemTime) -> Result<Vec<Fr>, StoreError> {
        let mut v: Vec<Fr> = self
            .list(Some(source), Some(FrStatus::Processing))?
            .into_iter()
            .filter(|fr| fr.is_due(now))
            .collect();
        v.sort_by(|a, b| {
            a.imported_at
                .cmp(&b.imported_at)
                .then_with(|| a.number.cmp(&b.number))
        });
        Ok(v)
    }

    /// Appends `event` to the timeline as given (no check that the FR exists). Returns its seq.
    pub fn append_event(
        &self,
        source: u64,
        number: &str,
        event: FrEvent,
    ) -> Result<u64, StoreError> {
        let seq = self.store.generate_id()?;
        self.events
            .put(&keys::u64_str_u64(source, number, seq), &event)?;
        Ok(seq)
    }

    /// The FR's events, oldest first.
    pub fn timeline(&self, source: u64, number: &str) -> Result<Vec<FrEvent>, StoreError> {
        self.events
            .scan_prefix(keys::u64_str_prefix(source, number))
            .map(|r| r.map(|(_, e)| e))
            .collect()
    }

    /// Records a non-status event (an attempt, a retry, a reconciliation, a note) with the FR's
    /// current status. [`FrError::NotFound`] if there is no such FR.
    pub fn record_event(
        &self,
        source: u64,
        number: &str,
        kind: &str,
        reason: &str,
        run: Option<u64>,
        now: SystemTime,
    ) -> Result<(), FrError> {
        self.apply(source, number, kind, run, now, false, |_| {
            Ok(reason.to_string())
        })
        .map(|_| ())
    }

    /// Moves the FR to `to` through the state machine and records a `status` event, atomically.
    /// Returns the FR as stored.
    pub fn transition_and_record(
        &self,
        source: u64,
        number: &str,
        to: FrStatus,
        reason: &str,
        run: Option<u64>,
        now: SystemTime,
    ) -> Result<Fr, FrError> {
        self.update_with_event(source, number, kind::STATUS, run, now, |fr| {
            status::transition(fr, to, reason, now)?;
            Ok(reason.to_string())
        })
    }

    /// The general write: reads the FR, lets `change` modify it (call [`status::transition`]
    /// inside for a status change) and return the event's reason, then stores the FR and an
    /// event of `kind` carrying the resulting status — atomically, against the FR as stored at
    /// that moment. `change` may run more than once (sled retries a transaction on conflict):
    /// no side effects inside. An `Err` from `change` writes nothing and is returned.
    ///
    /// ```text
    /// frs.update_with_event(src, "1001", kind::STATUS, Some(run), now, |fr| {
    ///     fr.sale_id = Some(sale_id.clone());
    ///     fr.invoice_number = Some(invoice.clone());
    ///     status::transition(fr, FrStatus::Processed, "sent as sale MS-12", now)?;
    ///     Ok("sent as sale MS-12".into())
    /// })?;
    /// ```
    pub fn update_with_event<F>(
        &self,
        source: u64,
        number: &str,
        kind: &str,
        run: Option<u64>,
        now: SystemTime,
        change: F,
    ) -> Result<Fr, FrError>
    where
        F: Fn(&mut Fr) -> Result<String, FrError>,
    {
        self.apply(source, number, kind, run, now, true, change)
    }

    #[allow(clippy::too_many_arguments)]
    fn apply<F>(
        &self,
        source: u64,
        number: &str,
        kind: &str,
        run: Option<u64>,
        now: SystemTime,
        write_fr: bool,
        change: F,
    ) -> Result<Fr, FrError>
    where
        F: Fn(&mut Fr) -> Result<String, FrError>,
    {
        let key = keys::u64_str(source, number);
        // Outside the transaction: the closure may re-run, and an id skipped is harmless.
        let seq = self.store.generate_id()?;
        let ev_key = keys::u64_str_u64(source, number, seq);
        let at = crate::clock::rfc3339(now);
        let fr = (self.frs.raw_tree(), self.events.raw_tree())
            .transaction(|(tf, te)| {
                let Some(bytes) = tf.get(&key)? else {
                    return abort(FrError::NotFound {
                        source_id: source,
                        number: number.to_string(),
                    });
                };
                let mut fr = match self.frs.decode_value(&key, &bytes) {
                    Ok(fr) => fr,
                    Err(e) => return abort(e),
                };
                let before = fr.status;
                let reason = match change(&mut fr) {
                    Ok(r) => r,
                    Err(e) => return abort(e),
                };
                if fr.status != before {
                    super::commit::mark_release(&mut fr, seq);
                }
                let event = FrEvent {
                    at: at.clone(),
                    status: fr.status.label().to_string(),
                    kind: kind.to_string(),
                    reason,
                    run,
                };
                if write_fr {
                    fr.updated_at = at.clone();
                    match self.frs.encode_value(&fr) {
                        Ok(v) => tf.insert(key.as_slice(), v)?,
                        Err(e) => return abort(e),
                    };
                }
                match self.events.encode_value(&event) {
                    Ok(v) => te.insert(ev_key.as_slice(), v)?,
                    Err(e) => return abort(e),
                };
                Ok(fr)
            })
            .map_err(from_tx)?;
        // Raw transactional writes bypass the row counters: keep them roughly right.
        self.store.meta().add_count(trees::FR_EVENTS.as_str(), 1)?;
        Ok(fr)
    }

    /// [`Frs::insert_new`] for many FRs, in transactions of up to [`INSERT_CHUNK`] FRs: one
    /// transaction per FR made a large import wait on the log once per FR. Each FR is
    /// inserted only if its number is not stored yet (nor earlier in `items`); the result
    /// says, per item, whether it was.
    pub fn insert_new_many(&self, items: &[(Fr, FrEvent)]) -> Result<Vec<bool>, FrError> {
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(INSERT_CHUNK) {
            let mut rows = Vec::with_capacity(chunk.len());
            for (fr, event) in chunk {
                let seq = self.store.generate_id()?;
                rows.push((
                    keys::u64_str(fr.source, &fr.number),
                    keys::u64_str_u64(fr.source, &fr.number, seq),
                    self.frs.encode_value(fr)?,
                    self.events.encode_value(event)?,
                ));
            }
            let inserted = (self.frs.raw_tree(), self.events.raw_tree())
                .transaction(|(tf, te)| {
                    let mut inserted = Vec::with_capacity(rows.len());
                    for (key, ev_key, fr_bytes, ev_bytes) in &rows {
                        // Reads see this transaction's own writes: a repeat within the
                        // chunk is found too.
                        if tf.get(key)?.is_some() {
                            inserted.push(false);
                            continue;
                        }
                        tf.insert(key.as_slice(), fr_bytes.clone())?;
                        te.insert(ev_key.as_slice(), ev_bytes.clone())?;
                        inserted.push(true);
                    }
                    Ok::<_, ConflictableTransactionError<FrError>>(inserted)
                })
                .map_err(from_tx)?;
            let n = inserted.iter().filter(|i| **i).count() as i64;
            self.store.meta().add_count(trees::FRS.as_str(), n)?;
            self.store.meta().add_count(trees::FR_EVENTS.as_str(), n)?;
            out.extend(inserted);
        }
        Ok(out)
    }

    /// Stores a new FR with its first event, unless an FR with that number already exists for
    /// the source (checked inside the transaction, so two importers cannot both insert it).
    /// Returns `false`, writing nothing, when it exists.
    pub fn insert_new(&self, fr: &Fr, event: &FrEvent) -> Result<bool, FrError> {
        let key = keys::u64_str(fr.source, &fr.number);
        let seq = self.store.generate_id()?;
        let ev_key = keys::u64_str_u64(fr.source, &fr.number, seq);
        let fr_bytes = self.frs.encode_value(fr)?;
        let ev_bytes = self.events.encode_value(event)?;
        let inserted = (self.frs.raw_tree(), self.events.raw_tree())
            .transaction(|(tf, te)| {
                if tf.get(&key)?.is_some() {
                    return Ok(false);
                }
                tf.insert(key.as_slice(), fr_bytes.clone())?;
                te.insert(ev_key.as_slice(), ev_bytes.clone())?;
                Ok::<_, ConflictableTransactionError<FrError>>(true)
            })
            .map_err(from_tx)?;
        if inserted {
            self.store.meta().add_count(trees::FRS.as_str(), 1)?;
            self.store.meta().add_count(trees::FR_EVENTS.as_str(), 1)?;
        }
        Ok(inserted)
    }

    /// `fr release`: lifts the hold (earliest send = now) and launches an Unprocessed FR
    /// (→ Processing, "released manually"). A Processing FR just loses its hold. Other statuses
    /// are refused with what to do instead.
    pub fn release(&self, source: u64, number: &str, now: SystemTime) -> Result<Fr, FrError> {
        let current = self.require(source, number)?;
        let kind = if current.status == FrStatus::Unprocessed {
            kind::STATUS
        } else {
            kind::RELEASE
        };
        self.update_with_event(source, number, kind, None, now, |fr| match fr.status {
            FrStatus::Unprocessed => {
                status::transition(fr, FrStatus::Processing, messages::REASON_RELEASED, now)?;
                fr.earliest_send = crate::clock::rfc3339(now);
                Ok(messages::REASON_RELEASED.to_string())
            }
            FrStatus::Processing => {
                fr.earliest_send = crate::clock::rfc3339(now);
                Ok(messages::REASON_HOLD_LIFTED.to_string())
            }
            status => Err(FrError::NotApplicable {
                number: fr.number.clone(),
                status,
                hint: messages::release_not_applicable(),
            }),
        })
    }

    /// `fr retry`: a Failed or Additional Info Required FR goes back to Processing; attempts are
    /// kept, lines not sent become pending again, lines already sent stay sent (never resent).
    pub fn retry(&self, source: u64, number: &str, now: SystemTime) -> Result<Fr, FrError> {
        self.update_with_event(source, number, kind::RETRY, None, now, |fr| {
            if !matches!(
                fr.status,
                FrStatus::Failed | FrStatus::AdditionalInfoRequired
            ) {
                return Err(FrError::NotApplicable {
                    number: fr.number.clone(),
                    status: fr.status,
                    hint: messages::retry_not_applicable(fr.status),
                });
            }
            status::transition(fr, FrStatus::Processing, messages::REASON_RETRY, now)?;
            for item in &mut fr.items {
                if matches!(item.line, super::LineState::NotSent { .. }) {
                    item.line = super::LineState::Pending;
                }
            }
            Ok(messages::REASON_RETRY.to_string())
        })
    }

    /// `fr cancel`: → Canceled with `reason` (default "canceled manually").
    pub fn cancel(
        &self,
        source: u64,
        number: &str,
        reason: Option<&str>,
        now: SystemTime,
    ) -> Result<Fr, FrError> {
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or(messages::REASON_CANCELED);
        self.transition_and_record(source, number, FrStatus::Canceled, reason, None, now)
    }
}
