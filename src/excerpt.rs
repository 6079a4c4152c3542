//! Quoting rejected input in error messages. A bad FR file line, template or config can be
//! megabytes long; an error quotes at most [`MAX_CHARS`] characters of it, so the line stays
//! readable and the advice after the quote is not scrolled away.

use std::borrow::Cow;

/// The longest excerpt of rejected input an error quotes.
pub const MAX_CHARS: usize = 200;

/// At most [`MAX_CHARS`] characters of `s`; a cut one ends with `… (N chars)`, giving the
/// full length so the reader knows how much was left out. Never splits a character.
pub fn excerpt(s: &str) -> Cow<'_, str> {
    excerpt_n(s, MAX_CHARS)
}

/// [`excerpt`] with another limit.
pub fn excerpt_n(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((cut, _)) => Cow::Owned(format!("{}… ({} chars)", &s[..cut], s.chars().count())),
    }
}

/// The excerpt as a quoted, escaped string (`"abc…" (N chars)`), the way errors show values.
pub fn quoted(s: &str) -> String {
    match s.char_indices().nth(MAX_CHARS) {
        None => format!("{s:?}"),
        Some((cut, _)) => format!("{:?}… ({} chars)", &s[..cut], s.chars().count()),
    }
}

/// A whole error line capped at `max` characters: the head and the tail are kept (the tail
/// usually says what to do) and the middle, where quoted input sits, is cut.
pub fn cap_line(s: &str, max: usize) -> Cow<'_, str> {
    let n = s.chars().count();
    if n <= max {
        return Cow::Borrowed(s);
    }
    let tail = max / 3;
    let head = max - tail;
    let head_end = s.char_indices().nth(head).map_or(s.len(), |(i, _)| i);
    let tail_start = s.char_indices().nth(n - tail).map_or(s.len(), |(i, _)| i);
    Cow::Owned(format!(
        "{} …[{} chars cut]… {}",
        &s[..head_end],
        n - head - tail,
        &s[tail_start..]
    ))
}

/// A TOML parse error as one short line: toml's own message (without the source line it
/// quotes, which can be megabytes long), cut to an excerpt, and the line it is on.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
    match e.span() {
        Some(sp) => {
            let line = text
                .get(..sp.start.min(text.len()))
                .map_or(0, |head| head.matches('\n').count())
                + 1;
            format!("line {line}: {}", excerpt(&msg))
        }
        None => excerpt(&msg).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_input_is_quoted_whole_and_long_input_is_cut_on_a_char_boundary() {
        assert_eq!(excerpt("abc"), "abc");
        let long = "é".repeat(5000);
        let e = excerpt(&long);
        assert!(e.starts_with(&"é".repeat(200)));
        assert!(e.ends_with("… (5000 chars)"), "{e}");
        assert!(e.chars().count() < 220);
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        assert!(quoted(&"x".repeat(1000)).ends_with("\"… (1000 chars)"));
    }

    #[test]
    fn a_capped_line_keeps_its_head_and_tail() {
        let line = format!("head {} tail: do this", "x".repeat(10_000));
        let c = cap_line(&line, 600);
        assert!(c.starts_with("head "), "{c}");
        assert!(c.ends_with("tail: do this"), "{c}");
        assert!(c.chars().count() < 650);
        assert_eq!(cap_line("short", 600), "short");
    }
}
