//! "Only Send During Business Hours" and "Hold for X hours" of Send Fulfillment Requests:
//! pure time arithmetic, no I/O and no clock of its own (callers pass "now", read from a
//! [`crate::clock::Clock`]).
//!
//! # Syntax
//!
//! `DAYS HH:MM-HH:MM TIME_ZONE`, e.g. `mon-fri 09:00-17:00 America/New_York`.
//!
//! - `DAYS`: a comma-separated list of days and ranges: `mon-fri`, `mon,wed,fri`,
//!   `sat-sun`, `fri-mon` (a range may wrap past Sunday), numbers `0` (Monday) … `6`
//!   (Sunday), full names (`monday`), or the words `daily`, `weekdays`, `weekends`.
//! - `HH:MM-HH:MM`: 24-hour wall-clock times in the zone. `24:00` is allowed as the end
//!   (midnight at the end of the day: `00:00-24:00` is the whole day). An end before the
//!   start is an **overnight window** that wraps midnight: `fri 22:00-02:00` is open from
//!   Friday 22:00 to Saturday 02:00. The days name the day a window *starts*.
//! - `TIME_ZONE`: an IANA name such as `America/New_York`, `Europe/London` or `UTC`
//!   (case is ignored and normalised).
//!
//! # Daylight saving time
//!
//! A window opens at the first instant the zone's wall clock reads its start time or later
//! on that date, and closes at the first instant it reads the end time or later. So on a
//! spring-forward day a 02:30 start (a time that does not exist) opens at 03:00, the moment
//! the clock jumps; on a fall-back day a time that occurs twice means its first occurrence.
//! A window that DST leaves empty (both ends inside the same skipped hour) is closed that
//! day. Nothing here panics, whatever the date.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc,
};
use chrono_tz::{GapInfo, Tz, TZ_VARIANTS};

pub use crate::source::BusinessHours;

/// What to show in an error about the syntax.
pub const EXAMPLE: &str = "mon-fri 09:00-17:00 America/New_York";

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MINUTES_PER_DAY: u16 = 24 * 60;

/// Business hours checked and compiled: every method is infallible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    /// Index 0 = Monday … 6 = Sunday.
    days: [bool; 7],
    /// Minutes after local midnight, 0..1440.
    start: u16,
    /// Minutes after local midnight, 0..=1440; below `start` for an overnight window.
    end: u16,
    tz: Tz,
}

impl BusinessHours {
    /// Parses `DAYS HH:MM-HH:MM TIME_ZONE` (see the module docs) into its canonical stored
    /// form. The error is one line saying what is wrong and what to write instead; it does
    /// not repeat the input, so the caller can say where it came from.
    pub fn parse(s: &str) -> Result<BusinessHours, String> {
        let tokens: Vec<&str> = s.split_whitespace().collect();
        let shape = || {
            format!("expected DAYS HH:MM-HH:MM TIME_ZONE, e.g. \"{EXAMPLE}\" (days mon…sun or 0=Mon…6=Sun, 24-hour times, an IANA time zone)")
        };
        match tokens.as_slice() {
            [] => Err(format!("business hours are empty: {}", shape())),
            [days, times, zone] => {
                let days = parse_days(days)?;
                let (start, end) = parse_window(times)?;
                let tz = parse_zone(zone)?;
                Ok(Hours {
                    days,
                    start,
                    end,
                    tz,
                }
                .to_settings())
            }
            [_, times] if parse_window(times).is_ok() => Err(format!(
                "no time zone: add an IANA name after the times, e.g. \"{EXAMPLE}\" (or UTC)"
            )),
            _ => Err(shape()),
        }
    }

    /// Checks stored hours (for example ones imported from a config file) and compiles them.
    pub fn validate(&self) -> Result<Hours, String> {
        if self.weekdays.is_empty() {
            return Err(format!(
                "no weekdays chosen: name at least one day, e.g. \"{EXAMPLE}\""
            ));
        }
        let mut days = [false; 7];
        for &d in &self.weekdays {
            match days.get_mut(usize::from(d)) {
                Some(slot) => *slot = true,
                None => {
                    return Err(format!(
                        "weekday {d} is out of range: use 0 (Monday) … 6 (Sunday)"
                    ))
                }
            }
        }
        let start = parse_time(self.start.trim(), false)?;
        let end = parse_time(self.end.trim(), true)?;
        check_window(start, end)?;
        let tz = parse_zone(self.time_zone.trim())?;
        Ok(Hours {
            days,
            start,
            end,
            tz,
        })
    }

    /// The hours in the syntax [`BusinessHours::parse`] reads, e.g.
    /// `mon-fri 09:00-17:00 America/New_York`. Stored hours that do not validate are shown
    /// as they are, marked invalid.
    pub fn describe(&self) -> String {
        match self.validate() {
            Ok(h) => h.describe(),
            Err(e) => format!(
                "invalid ({e}): weekdays {:?} {}-{} {}",
                self.weekdays, self.start, self.end, self.time_zone
            ),
        }
    }
}

impl Hours {
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// Whether the window wraps past local midnight (`22:00-02:00`).
    pub fn is_overnight(&self) -> bool {
        self.end < self.start
    }

    /// The canonical stored form.
    pub fn to_settings(&self) -> BusinessHours {
        BusinessHours {
            weekdays: (0u8..7).filter(|d| self.days[usize::from(*d)]).collect(),
            start: hhmm(self.start),
            end: hhmm(self.end),
            time_zone: self.tz.name().to_string(),
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "{} {}-{} {}",
            describe_days(&self.days),
            hhmm(self.start),
            hhmm(self.end),
            self.tz.name()
        )
    }

    /// The window that starts on local date `date`, as UTC instants `[open, close)`, if
    /// that day is chosen and DST leaves the window non-empty.
    fn window_on(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let wd = date.weekday().num_days_from_monday() as usize;
        if !self.days.get(wd).copied().unwrap_or(false) {
            return None;
        }
        let open = first_at_or_after(self.tz, date, self.start)?;
        let end_date = if self.is_overnight() {
            date.checked_add_signed(TimeDelta::days(1))?
        } else {
            date
        };
        let close = first_at_or_after(self.tz, end_date, self.end)?;
        (close > open).then_some((open, close))
    }

    /// Windows starting on local dates `from..=to` days away from `now`'s local date.
    fn windows(
        &self,
        now: DateTime<Utc>,
        from: i64,
        to: i64,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        // Not `with_timezone(..).date_naive()`: that panics at the ends of chrono's range.
        let utc = now.naive_utc();
        let today = utc
            .checked_add_offset(self.tz.offset_from_utc_datetime(&utc).fix())
            .map(|local| local.date());
        (from..=to).filter_map(move |d| {
            today?
                .checked_add_signed(TimeDelta::days(d))
                .and_then(|date| self.window_on(date))
        })
    }

    /// The window `now` falls in, as `[open, close)` in UTC.
    pub fn current_window(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        // A window can only contain `now` if it started on now's local date or up to two
        // days before (overnight windows, and a DST gap across midnight).
        self.windows(now, -2, 0)
            .find(|(open, close)| *open <= now && now < *close)
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.current_window(now).is_some()
    }

    /// `now` if open, else when the next window opens. Every chosen weekday has a window
    /// within a week, so this looks two weeks ahead; should DST empty every window in
    /// that span (it cannot in any real zone), the answer is `now`.
    pub fn next_open(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        if self.is_open(now) {
            return now;
        }
        self.windows(now, -1, 15)
            .map(|(open, _)| open)
            .filter(|open| *open > now)
            .min()
            .unwrap_or(now)
    }
}

/// Whether `hours` allow sending at `now`. Hours that do not validate (only possible in a
/// hand-edited or imported setup; the CLI refuses them, and the status page names them)
/// put no restriction on sending, so orders are never stuck silently.
pub fn is_open(hours: &BusinessHours, now_utc: DateTime<Utc>) -> bool {
    hours.validate().map_or(true, |h| h.is_open(now_utc))
}

/// When sending may next happen: `now_utc` if open, else when the next window opens.
/// Invalid hours: `now_utc` (see [`is_open`]).
pub fn next_open(hours: &BusinessHours, now_utc: DateTime<Utc>) -> DateTime<Utc> {
    hours.validate().map_or(now_utc, |h| h.next_open(now_utc))
}

/// When a hold of `hold_hours` on an FR imported at `imported_at` ends.
pub fn hold_until(imported_at: DateTime<Utc>, hold_hours: u32) -> DateTime<Utc> {
    TimeDelta::try_hours(i64::from(hold_hours))
        .and_then(|d| imported_at.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The earliest moment an FR imported at `imported_at` may be sent: after its hold, and
/// then at the next business-hours opening if hours are set.
pub fn earliest_send(
    imported_at: DateTime<Utc>,
    hold_hours: u32,
    hours: Option<&BusinessHours>,
) -> DateTime<Utc> {
    let held = hold_until(imported_at, hold_hours);
    match hours {
        Some(h) => next_open(h, held),
        None => held,
    }
}

// ---- parsing -----------------------------------------------------------------------

fn day_index(s: &str) -> Result<usize, String> {
    let l = s.trim().to_ascii_lowercase();
    let idx = match l.as_str() {
        "0" | "mon" | "monday" => 0,
        "1" | "tue" | "tues" | "tuesday" => 1,
        "2" | "wed" | "weds" | "wednesday" => 2,
        "3" | "thu" | "thur" | "thurs" | "thursday" => 3,
        "4" | "fri" | "friday" => 4,
        "5" | "sat" | "saturday" => 5,
        "6" | "sun" | "sunday" => 6,
        _ => {
            return Err(format!(
                "{s:?} is not a weekday: use mon, tue, wed, thu, fri, sat, sun (or 0=Mon … 6=Sun), ranges like mon-fri and lists like mon,wed,fri"
            ))
        }
    };
    Ok(idx)
}

fn parse_days(s: &str) -> Result<[bool; 7], String> {
    let mut days = [false; 7];
    match s.to_ascii_lowercase().as_str() {
        "daily" | "everyday" | "all" => return Ok([true; 7]),
        "weekdays" => return Ok([true, true, true, true, true, false, false]),
        "weekends" | "weekend" => return Ok([false, false, false, false, false, true, true]),
        _ => {}
    }
    for item in s.split(',') {
        if item.trim().is_empty() {
            return Err(format!(
                "{s:?} has an empty day in its list: write days like mon,wed,fri"
            ));
        }
        match item.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day_index(a)?, day_index(b)?);
                // A range may wrap past Sunday: fri-mon is fri, sat, sun, mon.
                let mut d = a;
                loop {
                    days[d] = true;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => days[day_index(item)?] = true,
        }
    }
    Ok(days)
}

/// `HH:MM` (or `H:MM`) in 24-hour time, as minutes after midnight. `24:00` only when
/// `allow_24` (an end time).
fn parse_time(s: &str, allow_24: bool) -> Result<u16, String> {
    let bad = || format!("{s:?} is not a time: use 24-hour HH:MM, e.g. 09:00 or 17:30");
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let digits = |x: &str, max_len: usize| {
        !x.is_empty() && x.len() <= max_len && x.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(h, 2) || m.len() != 2 || !digits(m, 2) {
        return Err(bad());
    }
    let h: u16 = h.parse().map_err(|_| bad())?;
    let m: u16 = m.parse().map_err(|_| bad())?;
    if h == 24 && m == 0 {
        return if allow_24 {
            Ok(MINUTES_PER_DAY)
        } else {
            Err("24:00 can only end a window: start the day at 00:00".to_string())
        };
    }
    if h > 23 || m > 59 {
        return Err(format!(
            "{s:?} is not a time of day: hours go 00-23 and minutes 00-59 (24:00 may end a window)"
        ));
    }
    Ok(h * 60 + m)
}

fn check_window(start: u16, end: u16) -> Result<(), String> {
    if start == end {
        return Err(format!(
            "the window {}-{} is empty: for the whole day use 00:00-24:00",
            hhmm(start),
            hhmm(end)
        ));
    }
    Ok(())
}

fn parse_window(s: &str) -> Result<(u16, u16), String> {
    let (a, b) = s.split_once('-').ok_or_else(|| {
        format!("{s:?} is not a time range: use HH:MM-HH:MM in 24-hour time, e.g. 09:00-17:00")
    })?;
    let start = parse_time(a, false)?;
    let end = parse_time(b, true)?;
    check_window(start, end)?;
    Ok((start, end))
}

fn parse_zone(s: &str) -> Result<Tz, String> {
    if s.is_empty() {
        return Err(
            "no time zone: use an IANA name such as America/New_York, Europe/London or UTC"
                .to_string(),
        );
    }
    if let Ok(tz) = s.parse::<Tz>() {
        return Ok(tz);
    }
    TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(s))
        .copied()
        .ok_or_else(|| {
            format!("{s:?} is not a known time zone: use an IANA name such as America/New_York, Europe/London or UTC")
        })
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn describe_days(days: &[bool; 7]) -> String {
    if days.iter().all(|d| *d) {
        return "daily".to_string();
    }
    let chosen: BTreeSet<usize> = (0..7).filter(|d| days[*d]).collect();
    // Runs of consecutive days (Monday-based; a run over Sunday→Monday is written as two).
    let mut parts = Vec::new();
    let mut i = 0;
    while i < 7 {
        if !chosen.contains(&i) {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < 7 && chosen.contains(&(i + 1)) {
            i += 1;
        }
        parts.push(match i - start {
            0 => DAY_NAMES[start].to_string(),
            1 => format!("{},{}", DAY_NAMES[start], DAY_NAMES[i]),
            _ => format!("{}-{}", DAY_NAMES[start], DAY_NAMES[i]),
        });
        i += 1;
    }
    parts.join(",")
}

// ---- local time → UTC --------------------------------------------------------------

/// The first instant at which the wall clock in `tz` reads `minutes` after midnight of
/// `date` or later (`minutes` may be 1440: midnight ending the day). A time that occurs
/// twice gives its first occurrence; a time skipped by a DST jump gives the end of the jump.
fn first_at_or_after(tz: Tz, date: NaiveDate, minutes: u16) -> Option<DateTime<Utc>> {
    let (date, minutes) = if minutes >= MINUTES_PER_DAY {
        (
            date.checked_add_signed(TimeDelta::days(1))?,
            minutes - MINUTES_PER_DAY,
        )
    } else {
        (date, minutes)
    };
    let naive = date.and_hms_opt(u32::from(minutes / 60), u32::from(minutes % 60), 0)?;
    resolve(tz, naive)
}

fn resolve(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => GapInfo::new(&naive, &tz)
            .and_then(|g| g.end)
            .map(|t| t.with_timezone(&Utc)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn hours(s: &str) -> Hours {
        BusinessHours::parse(s)
            .and_then(|b| b.validate())
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parse_canonical_forms() {
        let b = BusinessHours::parse("Mon-Fri 9:00-17:00 america/new_york").unwrap();
        assert_eq!(b.weekdays, vec![0, 1, 2, 3, 4]);
        assert_eq!(b.start, "09:00");
        assert_eq!(b.end, "17:00");
        assert_eq!(b.time_zone, "America/New_York");
        assert_eq!(b.describe(), "mon-fri 09:00-17:00 America/New_York");

        let b = BusinessHours::parse("0,2,4 08:30-12:00 UTC").unwrap();
        assert_eq!(b.weekdays, vec![0, 2, 4]);
        assert_eq!(b.describe(), "mon,wed,fri 08:30-12:00 UTC");
        let b = BusinessHours::parse("fri-mon 22:00-02:00 Europe/London").unwrap();
        assert_eq!(b.weekdays, vec![0, 4, 5, 6]);
        assert_eq!(b.describe(), "mon,fri-sun 22:00-02:00 Europe/London");
        assert_eq!(
            BusinessHours::parse("daily 00:00-24:00 UTC")
                .unwrap()
                .describe(),
            "daily 00:00-24:00 UTC"
        );
        assert_eq!(
            BusinessHours::parse("weekends 10:00-16:00 UTC")
                .unwrap()
                .weekdays,
            vec![5, 6]
        );
        assert_eq!(
            BusinessHours::parse("saturday,sunday 10:00-16:00 UTC")
                .unwrap()
                .describe(),
            "sat,sun 10:00-16:00 UTC"
        );
        // What describe writes, parse reads back to the same thing.
        for s in [
            "mon-fri 09:00-17:00 America/New_York",
            "mon,fri-sun 22:00-02:00 Europe/London",
            "tue,thu 07:15-23:45 Asia/Kolkata",
        ] {
            assert_eq!(BusinessHours::parse(s).unwrap().describe(), s);
        }
    }

    #[test]
    fn bad_input_gives_one_line_errors() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("mon-fri", "expected DAYS HH:MM-HH:MM TIME_ZONE"),
            ("mon-fri 09:00-17:00", "no time zone"),
            ("funday 09:00-17:00 UTC", "\"funday\" is not a weekday"),
            ("mon-fry 09:00-17:00 UTC", "\"fry\" is not a weekday"),
            ("7 09:00-17:00 UTC", "\"7\" is not a weekday"),
            ("mon,,fri 09:00-17:00 UTC", "empty day"),
            ("mon-fri 9am-5pm UTC", "\"9am\" is not a time"),
            ("mon-fri 0900-1700 UTC", "\"0900\" is not a time"),
            ("mon-fri 09:00 UTC", "\"09:00\" is not a time range"),
            ("mon-fri 25:00-26:00 UTC", "not a time of day"),
            ("mon-fri 09:60-17:00 UTC", "not a time of day"),
            ("mon-fri 09:0-17:00 UTC", "\"09:0\" is not a time"),
            ("mon-fri 24:00-08:00 UTC", "24:00 can only end a window"),
            ("mon-fri 09:00-09:00 UTC", "is empty"),
            (
                "mon-fri 09:00-17:00 America/New_Yrok",
                "\"America/New_Yrok\" is not a known time zone",
            ),
            ("mon-fri 09:00-17:00 EST5EDTX", "America/New_York"),
            ("mon-fri 09:00-17:00 UTC extra", "expected DAYS"),
            ("mon-fri -09:00-17:00 UTC", "is not a time"),
        ];
        for (input, want) in cases {
            let e = BusinessHours::parse(input).expect_err(input);
            assert!(e.contains(want), "{input:?} → {e}");
            assert!(!e.contains('\n'), "{input:?} → multi-line {e}");
        }
    }

    #[test]
    fn stored_hours_are_validated() {
        let ok = BusinessHours::parse(EXAMPLE).unwrap();
        assert!(ok.validate().is_ok());
        let mut b = ok.clone();
        b.weekdays = vec![];
        assert!(b.validate().unwrap_err().contains("no weekdays"));
        let mut b = ok.clone();
        b.weekdays = vec![0, 9];
        assert!(b
            .validate()
            .unwrap_err()
            .contains("weekday 9 is out of range"));
        let mut b = ok.clone();
        b.time_zone = "Mars/Olympus".into();
        assert!(b.validate().unwrap_err().contains("\"Mars/Olympus\""));
        let mut b = ok.clone();
        b.start = "noon".into();
        assert!(b.validate().unwrap_err().contains("\"noon\" is not a time"));
        // Invalid stored hours restrict nothing, and never panic.
        let mut b = ok;
        b.time_zone = String::new();
        let now = utc("2026-03-07T12:00:00Z");
        assert!(is_open(&b, now));
        assert_eq!(next_open(&b, now), now);
        assert!(b.describe().starts_with("invalid"));
    }

    #[test]
    fn open_and_closed_at_window_edges() {
        let h = hours("mon-fri 09:00-17:00 UTC");
        // 2026-03-04 is a Wednesday.
        assert!(!h.is_open(utc("2026-03-04T08:59:59Z")));
        assert!(h.is_open(utc("2026-03-04T09:00:00Z")), "start is inclusive");
        assert!(h.is_open(utc("2026-03-04T16:59:59Z")));
        assert!(!h.is_open(utc("2026-03-04T17:00:00Z")), "end is exclusive");
        assert_eq!(
            h.current_window(utc("2026-03-04T12:00:00Z")),
            Some((utc("2026-03-04T09:00:00Z"), utc("2026-03-04T17:00:00Z")))
        );
        assert_eq!(
            h.next_open(utc("2026-03-04T08:00:00Z")),
            utc("2026-03-04T09:00:00Z")
        );
        assert_eq!(
            h.next_open(utc("2026-03-04T17:00:00Z")),
            utc("2026-03-05T09:00:00Z")
        );
        let now = utc("2026-03-04T10:00:00Z");
        assert_eq!(h.next_open(now), now, "already open");
    }

    #[test]
    fn weekdays_filter() {
        let h = hours("mon,wed,fri 09:00-17:00 UTC");
        // 2026-03-02 Mon … 2026-03-08 Sun.
        let open: Vec<bool> = (2..=8)
            .map(|d| h.is_open(utc(&format!("2026-03-{d:02}T12:00:00Z"))))
            .collect();
        assert_eq!(open, [true, false, true, false, true, false, false]);
        let weekend = hours("sat-sun 10:00-14:00 UTC");
        assert!(weekend.is_open(utc("2026-03-07T10:00:00Z")));
        assert!(weekend.is_open(utc("2026-03-08T13:59:00Z")));
        assert!(!weekend.is_open(utc("2026-03-06T12:00:00Z")));
        assert!(!weekend.is_open(utc("2026-03-09T12:00:00Z")));
    }

    #[test]
    fn time_zones_new_york_versus_utc() {
        let ny = hours("mon-fri 09:00-17:00 America/New_York");
        let z = hours("mon-fri 09:00-17:00 UTC");
        // Wednesday 2026-01-14, EST (UTC-5): 09:00 New York is 14:00 UTC.
        let t = utc("2026-01-14T13:30:00Z");
        assert!(z.is_open(t));
        assert!(!ny.is_open(t));
        assert_eq!(ny.next_open(t), utc("2026-01-14T14:00:00Z"));
        assert!(ny.is_open(utc("2026-01-14T21:59:00Z")));
        assert!(!ny.is_open(utc("2026-01-14T22:00:00Z")));
        // Summer, EDT (UTC-4): 09:00 New York is 13:00 UTC.
        assert_eq!(
            ny.next_open(utc("2026-07-15T12:00:00Z")),
            utc("2026-07-15T13:00:00Z")
        );
        // Friday 23:00 in New York is already Saturday in UTC: the local day counts.
        let fri_night = utc("2026-01-17T03:00:00Z"); // Fri 2026-01-16 22:00 EST
        let late = hours("fri 21:00-23:00 America/New_York");
        assert!(late.is_open(fri_night));
        assert!(!hours("sat 00:00-24:00 UTC").is_open(utc("2026-01-16T23:00:00Z")));
        assert!(hours("sat 00:00-24:00 UTC").is_open(fri_night));
    }

    #[test]
    fn spring_forward_day() {
        // 2026-03-08 (Sunday), New York: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
        let h = hours("sun 02:30-04:00 America/New_York");
        let open = h.next_open(utc("2026-03-08T05:00:00Z"));
        assert_eq!(
            open,
            utc("2026-03-08T07:00:00Z"),
            "02:30 does not exist: opens at 03:00 EDT"
        );
        assert!(h.is_open(utc("2026-03-08T07:00:00Z")));
        assert!(!h.is_open(utc("2026-03-08T06:59:59Z")));
        assert!(h.is_open(utc("2026-03-08T07:59:59Z")));
        assert!(
            !h.is_open(utc("2026-03-08T08:00:00Z")),
            "closes at 04:00 EDT"
        );
        // The next Sunday is an ordinary one again.
        assert_eq!(
            h.next_open(utc("2026-03-08T09:00:00Z")),
            utc("2026-03-15T06:30:00Z")
        );
        // A window entirely inside the skipped hour is closed that day.
        let gone = hours("sun 02:10-02:50 America/New_York");
        assert_eq!(
            gone.next_open(utc("2026-03-08T00:00:00Z")),
            utc("2026-03-15T06:10:00Z")
        );
        // A whole-day window is 23 hours long that day.
        let day = hours("sun 00:00-24:00 America/New_York");
        assert_eq!(
            day.current_window(utc("2026-03-08T12:00:00Z")),
            Some((utc("2026-03-08T05:00:00Z"), utc("2026-03-09T04:00:00Z")))
        );
        // Overnight window across the jump.
        let night = hours("sat 22:00-06:00 America/New_York");
        assert_eq!(
            night.current_window(utc("2026-03-08T08:00:00Z")),
            Some((utc("2026-03-08T03:00:00Z"), utc("2026-03-08T10:00:00Z")))
        );
        // Europe: 2026-03-29, 01:00 UTC the clocks go 01:00 → 02:00 in London.
        let lon = hours("sun 01:30-03:00 Europe/London");
        assert_eq!(
            lon.next_open(utc("2026-03-28T23:00:00Z")),
            utc("2026-03-29T01:00:00Z")
        );
    }

    #[test]
    fn fall_back_day() {
        // 2026-11-01 (Sunday), New York: 02:00 EDT falls back to 01:00 EST (06:00 UTC).
        let h = hours("sun 01:30-03:00 America/New_York");
        let w = h.current_window(utc("2026-11-01T06:00:00Z"));
        // Opens at the first 01:30 (EDT, 05:30 UTC); closes at 03:00 EST (08:00 UTC).
        assert_eq!(
            w,
            Some((utc("2026-11-01T05:30:00Z"), utc("2026-11-01T08:00:00Z")))
        );
        assert!(
            h.is_open(utc("2026-11-01T06:45:00Z")),
            "01:45 EST, the second time round"
        );
        assert!(!h.is_open(utc("2026-11-01T05:29:00Z")));
        // A whole-day window is 25 hours long that day.
        let day = hours("sun 00:00-24:00 America/New_York");
        assert_eq!(
            day.current_window(utc("2026-11-01T12:00:00Z")),
            Some((utc("2026-11-01T04:00:00Z"), utc("2026-11-02T05:00:00Z")))
        );
        // A window ending at an ambiguous time ends at its first occurrence.
        let early = hours("sun 00:00-01:30 America/New_York");
        assert_eq!(
            early.current_window(utc("2026-11-01T04:30:00Z")),
            Some((utc("2026-11-01T04:00:00Z"), utc("2026-11-01T05:30:00Z")))
        );
    }

    #[test]
    fn next_open_across_the_weekend() {
        let h = hours("mon-fri 09:00-17:00 America/New_York");
        // Friday 2026-03-06 17:00 EST = 22:00 UTC: closed until Monday 09:00 EST.
        assert_eq!(
            h.next_open(utc("2026-03-06T22:00:00Z")),
            utc("2026-03-09T13:00:00Z"),
            "Monday 2026-03-09 is after the spring-forward Sunday: 09:00 EDT = 13:00 UTC"
        );
        assert_eq!(
            h.next_open(utc("2026-01-10T12:00:00Z")),
            utc("2026-01-12T14:00:00Z"),
            "Saturday → Monday 09:00 EST"
        );
        // A window on one day of the week: up to a week ahead.
        let wed = hours("wed 09:00-10:00 UTC");
        assert_eq!(
            wed.next_open(utc("2026-03-04T10:00:00Z")),
            utc("2026-03-11T09:00:00Z")
        );
    }

    #[test]
    fn overnight_windows_wrap_midnight() {
        let h = hours("fri 22:00-02:00 UTC");
        assert!(h.is_overnight());
        assert!(h.is_open(utc("2026-03-06T22:00:00Z")), "Friday 22:00");
        assert!(h.is_open(utc("2026-03-07T01:59:00Z")), "Saturday 01:59");
        assert!(!h.is_open(utc("2026-03-07T02:00:00Z")));
        assert!(
            !h.is_open(utc("2026-03-07T23:00:00Z")),
            "not Saturday night"
        );
        assert!(
            !h.is_open(utc("2026-03-06T01:00:00Z")),
            "not Thursday's night"
        );
        assert_eq!(
            h.next_open(utc("2026-03-07T03:00:00Z")),
            utc("2026-03-13T22:00:00Z")
        );
    }

    #[test]
    fn every_zone_next_open_is_open_and_not_before_now() {
        // Across every zone chrono-tz knows and a year of DST transitions, stepping 7 h 13 m
        // (so the steps drift across every time of day): next_open never goes back in time
        // and always lands in an open window.
        let specs = [
            "daily 02:30-03:30",
            "sun,wed 00:00-24:00",
            "fri-mon 23:00-01:15",
        ];
        let start = utc("2026-01-01T00:00:00Z");
        for tz in TZ_VARIANTS {
            for spec in specs {
                let h = hours(&format!("{spec} {}", tz.name()));
                let mut t = start;
                for _ in 0..(365 * 24 / 7 / 4) {
                    let next = h.next_open(t);
                    assert!(next >= t, "{spec} {}: {next} < {t}", tz.name());
                    assert!(
                        h.is_open(next),
                        "{spec} {}: not open at next_open({t}) = {next}",
                        tz.name()
                    );
                    t += TimeDelta::minutes(4 * (7 * 60 + 13));
                }
            }
        }
    }

    #[test]
    fn hold_and_earliest_send() {
        let t = utc("2026-03-06T20:00:00Z"); // Friday 15:00 EST
        assert_eq!(hold_until(t, 0), t);
        assert_eq!(hold_until(t, 3), utc("2026-03-06T23:00:00Z"));
        assert_eq!(earliest_send(t, 0, None), t);
        let h = BusinessHours::parse("mon-fri 09:00-17:00 America/New_York").unwrap();
        assert_eq!(earliest_send(t, 1, Some(&h)), utc("2026-03-06T21:00:00Z"));
        // Held past Friday's close: Monday morning.
        assert_eq!(earliest_send(t, 3, Some(&h)), utc("2026-03-09T13:00:00Z"));
        // No overflow, no panic.
        assert_eq!(
            hold_until(DateTime::<Utc>::MAX_UTC, u32::MAX),
            DateTime::<Utc>::MAX_UTC
        );
        let _ = earliest_send(DateTime::<Utc>::MAX_UTC, u32::MAX, Some(&h));
        let _ = next_open(&h, DateTime::<Utc>::MIN_UTC);
    }
}
