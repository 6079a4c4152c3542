//! Every run is recorded: kind, source, start, end, counts, outcome, and its log lines.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::counts::Counts;
use super::events::Level;
use crate::integration::Integration;
use crate::store::{keys, trees, Record, Store, StoreError, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Running,
    Ok,
    /// Finished, but some records failed.
    Partial,
    Failed,
    Cancelled,
    /// The process running it ended (killed, crashed, power lost) before it finished. Shown
    /// for a run left Running by another process; the next run resumes it.
    Interrupted,
}

/// This process's mark on the runs it starts. The store admits one process at a time, so a
/// run marked Running by another process is one whose process died.
pub fn process_instance() -> u64 {
    static INSTANCE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *INSTANCE.get_or_init(|| rand::random::<u64>() | 1)
}

/// What an interrupted run's record says.
pub const INTERRUPTED: &str =
    "interrupted: the process running it ended before it finished; run again to resume";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: u64,
    /// Records written before [`Integration`] was shared say `send-frs`, which still reads.
    pub kind: Integration,
    pub source_id: u64,
    pub source: String,
    pub dry_run: bool,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub outcome: Outcome,
    pub counts: Counts,
    pub message: String,
    /// The [`process_instance`] that runs it (0 in records from before it was kept).
    #[serde(default)]
    pub owner: u64,
    /// Each start of the run: one, unless it was resumed after an interruption or a
    /// cancel. Empty in records from before attempts were kept ([`RunRecord::attempts`]
    /// then reads one from the run's own times).
    #[serde(default)]
    pub attempts: Vec<Attempt>,
}

/// One start of a run, to its end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub started_at: String,
    /// When it ended. For an attempt whose process died, the time of the run's last log
    /// line before it was resumed (its last sign of life); `None` when not known.
    pub ended_at: Option<String>,
    pub outcome: Outcome,
}

impl Attempt {
    /// How long it ran; `None` while running or when an end is not known.
    pub fn duration(&self) -> Option<Duration> {
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
        let (a, b) = (t(&self.started_at)?, t(self.ended_at.as_deref()?)?);
        (b - a).to_std().ok()
    }
}

impl RunRecord {
    pub fn new(
        id: u64,
        kind: Integration,
        source: &crate::source::Source,
        dry_run: bool,
        started_at: String,
    ) -> Self {
        RunRecord {
            id,
            kind,
            source_id: source.id,
            source: source.name.clone(),
            dry_run,
            started_at,
            ended_at: None,
            outcome: Outcome::Running,
            counts: Counts::default(),
            message: String::new(),
            owner: process_instance(),
            attempts: Vec::new(),
        }
    }

    /// Every attempt, oldest first: as recorded, or for a record from before attempts were
    /// kept, one from the run's own start, end and outcome.
    pub fn attempts(&self) -> Vec<Attempt> {
        if self.attempts.is_empty() {
            return vec![Attempt {
                started_at: self.started_at.clone(),
                ended_at: self.ended_at.clone(),
                outcome: self.outcome,
            }];
        }
        self.attempts.clone()
    }

    /// A new attempt starts at `now` (the record is about to run). An earlier attempt that
    /// never recorded its end (its process died) is closed as Interrupted at `last_seen`,
    /// the run's last log line.
    pub fn begin_attempt(&mut self, now: String, last_seen: Option<String>) {
        if self.attempts.is_empty() && self.outcome != Outcome::Running {
            // A record from before attempts were kept, resumed: its first attempt.
            self.attempts.push(Attempt {
                started_at: self.started_at.clone(),
                ended_at: self.ended_at.clone().or(last_seen.clone()),
                outcome: self.outcome,
            });
        }
        if let Some(last) = self.attempts.last_mut() {
            if last.ended_at.is_none() {
                last.ended_at = last_seen.filter(|t| *t >= last.started_at);
                last.outcome = Outcome::Interrupted;
            }
        }
        self.attempts.push(Attempt {
            started_at: if self.attempts.is_empty() {
                self.started_at.clone()
            } else {
                now
            },
            ended_at: None,
            outcome: Outcome::Running,
        });
    }

    /// Whether every word of `text` is in the run's source, its integration (key or label)
    /// or its outcome (the run's or an attempt's), ignoring case: the History filter, for
    /// every front end ("harbor failed", "send ok").
    pub fn matches(&self, text: &str) -> bool {
        let fields: Vec<String> = [
            self.source.to_lowercase(),
            self.kind.key().to_string(),
            self.kind.label().to_lowercase(),
            format!("{:?}", self.outcome).to_lowercase(),
        ]
        .into_iter()
        // An attempt's outcome too: "interrupted" finds a run resumed since.
        .chain(
            self.attempts
                .iter()
                .map(|a| format!("{:?}", a.outcome).to_lowercase()),
        )
        .collect();
        text.split_whitespace()
            .map(str::to_lowercase)
            .all(|w| fields.iter().any(|f| f.contains(&w)))
    }

    /// Copies the run's end (`ended_at`, `outcome`) to its current attempt.
    pub fn end_attempt(&mut self) {
        if let Some(last) = self.attempts.last_mut() {
            if last.ended_at.is_none() {
                last.ended_at = self.ended_at.clone();
                last.outcome = self.outcome;
            }
        }
    }

    /// The record as it stands: a run left Running by a process that is gone reads
    /// Interrupted.
    fn settled(mut self) -> Self {
        if self.outcome == Outcome::Running && self.owner != process_instance() {
            self.outcome = Outcome::Interrupted;
            self.message = INTERRUPTED.to_string();
            if let Some(last) = self.attempts.last_mut().filter(|a| a.ended_at.is_none()) {
                last.outcome = Outcome::Interrupted;
            }
        }
        self
    }
}

impl Record for RunRecord {
    const VERSION: u16 = 1;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub at: String,
    pub level: Level,
    pub line: String,
}

impl Record for LogLine {
    const VERSION: u16 = 1;
}

#[derive(Clone, Debug)]
pub struct Runs {
    runs: Table<RunRecord>,
    logs: Table<LogLine>,
}

impl Runs {
    pub fn open(store: &Store) -> Result<Runs, StoreError> {
        Ok(Runs {
            runs: store.table(trees::RUNS)?,
            logs: store.table(trees::RUN_LOGS)?,
        })
    }

    pub fn save(&self, r: &RunRecord) -> Result<(), StoreError> {
        self.runs.put(&keys::u64_be(r.id), r).map(|_| ())
    }

    /// A run; one left Running by a process that has gone reads Interrupted.
    pub fn get(&self, id: u64) -> Result<Option<RunRecord>, StoreError> {
        Ok(self.runs.get(&keys::u64_be(id))?.map(RunRecord::settled))
    }

    /// Newest first; runs left Running by a process that has gone read Interrupted.
    pub fn recent(&self, n: usize) -> Result<Vec<RunRecord>, StoreError> {
        self.runs
            .iter()
            .rev()
            .take(n)
            .map(|r| r.map(|(_, v)| v.settled()))
            .collect()
    }

    pub fn log(&self, run: u64, seq: u64, line: &LogLine) -> Result<(), StoreError> {
        self.logs.put(&keys::u64_u64(run, seq), line).map(|_| ())
    }

    /// The run's last log line (one read, from the end).
    pub fn last_line(&self, run: u64) -> Result<Option<LogLine>, StoreError> {
        self.logs
            .scan_prefix(keys::u64_prefix(run))
            .next_back()
            .transpose()
            .map(|l| l.map(|(_, v)| v))
    }

    pub fn lines(&self, run: u64) -> Result<Vec<LogLine>, StoreError> {
        self.logs
            .scan_prefix(keys::u64_prefix(run))
            .map(|r| r.map(|(_, v)| v))
            .collect()
    }

    /// One small step of deleting run history past `policy`, oldest run first: at most
    /// `batch` keys (a run's log lines, then its record). Call again until it returns
    /// [`Pruned::is_empty`]; between calls other writers proceed, so jobs are never held up.
    ///
    /// Never deleted: runs still running, and the newest non-dry run of each source
    /// and kind (a checkpointed run resumes under its id, and the status page shows it).
    pub fn prune(
        &self,
        policy: &Retention,
        now: SystemTime,
        batch: usize,
    ) -> Result<Pruned, StoreError> {
        let mut budget = batch.max(1);
        let mut done = Pruned::default();
        if policy.max_age.is_none() && policy.max_runs.is_none() {
            return Ok(done);
        }
        let cutoff = policy.max_age.and_then(|a| now.checked_sub(a));
        let mut newest = HashSet::new();
        // Newest first; undecodable records are left alone.
        let mut expired = Vec::new();
        for (index, r) in self.runs.iter().rev().enumerate() {
            let Ok((_, run)) = r else { continue };
            let run = run.settled();
            let protected = run.outcome == Outcome::Running
                || (!run.dry_run && newest.insert((run.source_id, run.kind)));
            if protected {
                continue;
            }
            let too_many = policy.max_runs.is_some_and(|m| index >= m);
            let too_old = cutoff.is_some_and(|c| {
                chrono::DateTime::parse_from_rfc3339(&run.started_at)
                    .is_ok_and(|t| SystemTime::from(t) < c)
            });
            if too_many || too_old {
                expired.push(run.id);
            }
        }
        for run in expired.into_iter().rev() {
            let lines: Vec<_> = self
                .logs
                .raw_tree()
                .scan_prefix(keys::u64_prefix(run))
                .keys()
                .take(budget)
                .collect::<Result<_, _>>()?;
            for k in &lines {
                self.logs.remove(k)?;
            }
            done.lines += lines.len();
            budget -= lines.len();
            if budget == 0 {
                break;
            }
            self.runs.remove(&keys::u64_be(run))?;
            done.runs += 1;
            budget -= 1;
            if budget == 0 {
                break;
            }
        }
        Ok(done)
    }
}

/// How much run history to keep. Both limits apply when both are set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// Runs that started longer ago are deleted.
    pub max_age: Option<Duration>,
    /// Only the newest this many runs are kept.
    pub max_runs: Option<usize>,
}

/// What one [`Runs::prune`] step deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub runs: usize,
    pub lines: usize,
}

impl Pruned {
    pub fn is_empty(&self) -> bool {
        self.runs == 0 && self.lines == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    fn at(days_ago: u64, now: SystemTime) -> String {
        crate::clock::rfc3339(now - Duration::from_secs(days_ago * 86_400))
    }

    fn source(id: u64, name: &str) -> Source {
        Source {
            id,
            name: name.into(),
            ..Source::default()
        }
    }

    /// Prunes to the end in steps of `batch`, returning the totals and the number of steps.
    fn prune_all(
        runs: &Runs,
        policy: &Retention,
        now: SystemTime,
        batch: usize,
    ) -> (Pruned, usize) {
        let mut total = Pruned::default();
        let mut steps = 0;
        loop {
            let p = runs.prune(policy, now, batch).unwrap();
            assert!(p.runs + p.lines <= batch, "{p:?} over the batch of {batch}");
            if p.is_empty() {
                return (total, steps);
            }
            total.runs += p.runs;
            total.lines += p.lines;
            steps += 1;
        }
    }

    /// Run records written while the kind was a string ("send-frs") still read, as the
    /// shared [`Integration`]; new ones say its serde name.
    #[test]
    fn old_run_records_with_string_kinds_still_read() {
        for (old, want) in [
            ("primary", Integration::Primary),
            ("secondary", Integration::Secondary),
            ("send-frs", Integration::SendFrs),
        ] {
            let body = format!(
                r#"{{"id":7,"kind":"{old}","source_id":1,"source":"hp","dry_run":false,"started_at":"2026-03-02T10:00:00Z","ended_at":null,"outcome":"ok","counts":{{}},"message":"done"}}"#
            );
            let r = RunRecord::decode_body(1, body.as_bytes()).unwrap();
            assert_eq!(r.kind, want);
            assert_eq!(r.source, "hp");
            let mut again = Vec::new();
            r.encode_body(&mut again).unwrap();
            assert_eq!(RunRecord::decode_body(1, &again).unwrap(), r);
        }
    }

    #[test]
    fn prune_deletes_old_runs_with_their_logs_in_small_batches() {
        let store = Store::open_temporary().unwrap();
        let runs = Runs::open(&store).unwrap();
        let now = SystemTime::now();
        let a = source(1, "a");
        let b = source(2, "b");
        // id, source, kind, days ago, outcome, dry run
        let rows = [
            (1, &a, Integration::Primary, 90, Outcome::Ok, false),
            (2, &a, Integration::Primary, 80, Outcome::Failed, false),
            (3, &b, Integration::Primary, 70, Outcome::Cancelled, false), // b's newest primary: kept
            (4, &a, Integration::Secondary, 60, Outcome::Running, false), // running: kept
            (5, &a, Integration::Primary, 50, Outcome::Ok, true),
            (6, &a, Integration::Primary, 40, Outcome::Ok, false), // a's newest primary: kept
            (7, &a, Integration::Secondary, 5, Outcome::Ok, false),
            (8, &a, Integration::Secondary, 1, Outcome::Partial, false),
        ];
        for (id, src, kind, days, outcome, dry) in rows {
            let mut r = RunRecord::new(id, kind, src, dry, at(days, now));
            r.outcome = outcome;
            runs.save(&r).unwrap();
            for seq in 0..10 {
                let line = LogLine {
                    at: r.started_at.clone(),
                    level: Level::Info,
                    line: format!("run {id} line {seq}"),
                };
                runs.log(id, seq, &line).unwrap();
            }
        }
        let ids = |runs: &Runs| -> Vec<u64> {
            let mut v: Vec<u64> = runs.recent(100).unwrap().iter().map(|r| r.id).collect();
            v.sort();
            v
        };
        // Nothing to do without a limit, or when everything is young enough.
        assert!(runs
            .prune(&Retention::default(), now, 8)
            .unwrap()
            .is_empty());
        let month = Retention {
            max_age: Some(Duration::from_secs(100 * 86_400)),
            max_runs: None,
        };
        assert!(runs.prune(&month, now, 8).unwrap().is_empty());

        let policy = Retention {
            max_age: Some(Duration::from_secs(30 * 86_400)),
            max_runs: None,
        };
        let (total, steps) = prune_all(&runs, &policy, now, 4);
        assert_eq!(total, Pruned { runs: 3, lines: 30 });
        assert!(steps >= 33 / 4, "{steps} steps");
        assert_eq!(ids(&runs), vec![3, 4, 6, 7, 8]);
        for gone in [1, 2, 5] {
            assert!(runs.lines(gone).unwrap().is_empty());
        }
        assert_eq!(runs.lines(7).unwrap().len(), 10);

        // By count: the newest one, plus the protected ones.
        let policy = Retention {
            max_age: None,
            max_runs: Some(1),
        };
        let (total, _) = prune_all(&runs, &policy, now, 100);
        assert_eq!(total, Pruned { runs: 1, lines: 10 });
        assert_eq!(ids(&runs), vec![3, 4, 6, 8]);
    }

    #[test]
    fn a_run_left_running_by_another_process_reads_interrupted_and_can_be_pruned() {
        let store = Store::open_temporary().unwrap();
        let runs = Runs::open(&store).unwrap();
        let now = SystemTime::now();
        let a = source(1, "a");
        // A record as an older build stored it, by a process that is gone (no owner).
        let old = serde_json::json!({
            "id": 1, "kind": "primary", "source_id": 1, "source": "a", "dry_run": false,
            "started_at": at(40, now), "ended_at": null, "outcome": "running",
            "counts": {}, "message": ""
        });
        let mut dead: RunRecord = serde_json::from_value(old).unwrap();
        assert_eq!(dead.owner, 0);
        runs.save(&dead).unwrap();
        // This process's own running run, and a newer finished one of the same kind.
        let mut mine = RunRecord::new(2, Integration::Primary, &a, false, at(30, now));
        mine.outcome = Outcome::Running;
        runs.save(&mine).unwrap();
        let mut newest = RunRecord::new(3, Integration::Primary, &a, false, at(1, now));
        newest.outcome = Outcome::Ok;
        runs.save(&newest).unwrap();

        let got = runs.get(1).unwrap().unwrap();
        assert_eq!(got.outcome, Outcome::Interrupted);
        assert!(
            got.message.contains("run again to resume"),
            "{}",
            got.message
        );
        assert_eq!(runs.get(2).unwrap().unwrap().outcome, Outcome::Running);
        let listed: Vec<Outcome> = runs.recent(10).unwrap().iter().map(|r| r.outcome).collect();
        assert_eq!(
            listed,
            [Outcome::Ok, Outcome::Running, Outcome::Interrupted]
        );

        // Retention prunes the interrupted run, never the running one.
        let policy = Retention {
            max_age: Some(Duration::from_secs(7 * 86_400)),
            max_runs: None,
        };
        let (total, _) = prune_all(&runs, &policy, now, 100);
        assert_eq!(total.runs, 1);
        assert!(runs.get(1).unwrap().is_none());
        assert!(runs.get(2).unwrap().is_some());

        // Resumed by this process, it is running again (and its own).
        dead.outcome = Outcome::Running;
        dead.owner = process_instance();
        runs.save(&dead).unwrap();
        assert_eq!(runs.get(1).unwrap().unwrap().outcome, Outcome::Running);
    }

    /// A run whose process died, resumed: the first attempt ends Interrupted at its last
    /// log line, the second runs from the resume to its own end; each has its duration.
    #[test]
    fn a_resumed_run_keeps_each_attempt_with_its_end() {
        let store = Store::open_temporary().unwrap();
        let runs = Runs::open(&store).unwrap();
        let a = source(1, "a");
        let mut r = RunRecord::new(
            5,
            Integration::Primary,
            &a,
            false,
            "2026-03-02T10:00:00Z".into(),
        );
        r.begin_attempt("2026-03-02T10:00:00Z".into(), None);
        r.owner = 0; // written by a process that is gone
        runs.save(&r).unwrap();
        let line = |at: &str| LogLine {
            at: at.into(),
            level: Level::Info,
            line: "page".into(),
        };
        runs.log(5, 0, &line("2026-03-02T10:00:01Z")).unwrap();
        runs.log(5, 1, &line("2026-03-02T10:00:42Z")).unwrap();

        let mut again = runs.get(5).unwrap().unwrap();
        assert_eq!(again.outcome, Outcome::Interrupted);
        assert_eq!(again.attempts[0].outcome, Outcome::Interrupted);
        let last = runs.last_line(5).unwrap().map(|l| l.at);
        assert_eq!(last.as_deref(), Some("2026-03-02T10:00:42Z"));
        again.begin_attempt("2026-03-02T11:00:00Z".into(), last);
        again.outcome = Outcome::Ok;
        again.ended_at = Some("2026-03-02T11:02:05Z".into());
        again.end_attempt();
        runs.save(&again).unwrap();

        let got = runs.get(5).unwrap().unwrap().attempts();
        let brief: Vec<_> = got
            .iter()
            .map(|a| {
                (
                    a.outcome,
                    a.ended_at.as_deref(),
                    a.duration().map(|d| d.as_secs()),
                )
            })
            .collect();
        assert_eq!(
            brief,
            [
                (Outcome::Interrupted, Some("2026-03-02T10:00:42Z"), Some(42)),
                (Outcome::Ok, Some("2026-03-02T11:02:05Z"), Some(125)),
            ]
        );
        assert!(runs.get(5).unwrap().unwrap().matches("interrupted"));
        assert!(!runs.get(5).unwrap().unwrap().matches("send"));

        // A record from before attempts were kept reads as one attempt.
        let old: RunRecord = serde_json::from_value(serde_json::json!({
            "id": 9, "kind": "send-frs", "source_id": 1, "source": "a", "dry_run": false,
            "started_at": "2026-03-02T10:00:00Z", "ended_at": "2026-03-02T10:00:03Z",
            "outcome": "ok", "counts": {}, "message": ""
        }))
        .unwrap();
        assert_eq!(old.attempts().len(), 1);
        assert_eq!(old.attempts()[0].duration().map(|d| d.as_secs()), Some(3));
        assert!(old.matches("send-frs") && old.matches("Send FRs") && old.matches("ok"));
        assert!(old.matches("a send ok") && !old.matches("send failed"));
    }
}
