//! A running job's progress as one line: a bar with the percentage and ETA when the job has
//! said its total, the count, rate and phase otherwise; the rate-limit wait or the client's
//! retry instead while those hold it up. Jobs and Overview both draw it.

use std::time::SystemTime;

use crate::tui::shared::{short_duration, JobView};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holdup {
    None,
    RateLimit,
    Retrying,
}

/// `[█████░░░░░]` of `width` cells for `ratio` in 0..=1.
pub fn bar(ratio: f64, width: usize) -> String {
    let full = ((ratio * width as f64).round() as usize).min(width);
    format!("{}{}", "█".repeat(full), "░".repeat(width - full))
}

/// The progress line in at most about `width` cells (the caller clips).
pub fn line(j: &JobView, now: SystemTime, width: u16) -> (Holdup, String) {
    if let Some(u) = j.waiting_until {
        let at = chrono::DateTime::<chrono::Utc>::from(u).format("%H:%M:%S");
        return (
            Holdup::RateLimit,
            format!("waiting for rate limit until {at} UTC"),
        );
    }
    if let Some(r) = &j.retrying {
        return (Holdup::Retrying, r.clone());
    }
    let mut tail = Vec::new();
    if let Some(eta) = j.eta(now) {
        tail.push(format!("ETA {}", short_duration(eta)));
    }
    match j.total {
        Some(total) => tail.push(format!("{}/{total}", j.done)),
        None => tail.push(j.done.to_string()),
    }
    if let Some(r) = j.rate(now) {
        tail.push(format!("{r:.0}/s"));
    }
    tail.push(j.phase.to_string());
    let text = match j.ratio() {
        Some(ratio) => {
            let pct = format!("{:>3.0}%", ratio * 100.0);
            let rest = tail.join(" · ");
            // The bar takes what the numbers leave, 4–12 cells.
            let room = (width as usize).saturating_sub(pct.len() + rest.chars().count() + 4);
            format!("{} {pct} · {rest}", bar(ratio, room.clamp(4, 12)))
        }
        None => tail.join(" · "),
    };
    (Holdup::None, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_rounds() {
        assert_eq!(bar(0.5, 4), "██░░");
        assert_eq!(bar(1.0, 3), "███");
    }
}
