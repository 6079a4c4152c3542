//! Table columns that shrink by priority, and cell text that never runs into the next
//! column. A narrow terminal (80×24 over SSH) keeps the columns that matter (state,
//! progress, outcome) whole and drops the least useful ones first.

fn cells(c: char) -> usize {
    let mut buf = [0u8; 4];
    ratatui::text::Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// One column's wishes: at least `min` cells or nothing, ideally `want`. Lower `rank` is
/// served first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Col {
    pub min: u16,
    pub want: u16,
    pub rank: u8,
}

impl Col {
    pub const fn new(min: u16, want: u16, rank: u8) -> Col {
        Col { min, want, rank }
    }
}

/// Columns that want as much as their widest cell (header included), between `min` and
/// `max`: a column of short values does not hold space a long one could use.
pub fn sized(spec: &[(u16, u16, u8)], header: &[&str], rows: &[Vec<String>]) -> Vec<Col> {
    spec.iter()
        .enumerate()
        .map(|(i, &(min, max, rank))| {
            let widest = rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| width(c))
                .chain(header.get(i).map(|h| width(h)))
                .max()
                .unwrap_or(0);
            let want = (widest.min(max as usize) as u16).max(min);
            Col::new(min.min(want), want, rank)
        })
        .collect()
}

/// Display cells of `s`.
pub fn width(s: &str) -> usize {
    s.chars().map(cells).sum()
}

/// Widths for `cols` in `avail` cells with `gap` cells between shown columns. A column that
/// cannot get its `min` gets 0 (hidden); the rest first get their `min` in rank order, then
/// grow towards `want` in rank order; space left over goes to the last shown column.
pub fn fit(cols: &[Col], avail: u16, gap: u16) -> Vec<u16> {
    fit_filling(cols, avail, gap, None)
}

/// [`fit`], with the space left over going to column `fill` when it is shown (a title
/// column that should take the slack), else to the last shown column.
pub fn fit_filling(cols: &[Col], avail: u16, gap: u16, fill: Option<usize>) -> Vec<u16> {
    let mut order: Vec<usize> = (0..cols.len()).collect();
    order.sort_by_key(|&i| (cols[i].rank, i));
    let mut widths = vec![0u16; cols.len()];
    let mut used: u16 = 0;
    for &i in &order {
        let need = cols[i].min + if used == 0 { 0 } else { gap };
        if used + need <= avail {
            widths[i] = cols[i].min;
            used += need;
        }
    }
    for &i in &order {
        if widths[i] == 0 {
            continue;
        }
        let extra = cols[i].want.saturating_sub(widths[i]).min(avail - used);
        widths[i] += extra;
        used += extra;
    }
    let slack = fill
        .filter(|&i| widths.get(i).is_some_and(|w| *w > 0))
        .or_else(|| (0..cols.len()).rev().find(|&i| widths[i] > 0));
    if let Some(i) = slack {
        widths[i] += avail - used;
    }
    widths
}

/// `s` cut to `width` display cells, ending in `…` when cut.
pub fn clip(s: &str, room: u16) -> String {
    let total = width(s);
    let width = room as usize;
    if total <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = cells(c);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_drops_low_ranks_first_and_wide_fills() {
        let cols = [Col::new(8, 10, 3), Col::new(5, 5, 0), Col::new(10, 30, 1)];
        assert_eq!(fit(&cols, 16, 1), vec![0, 5, 10]);
        assert_eq!(fit(&cols, 30, 1), vec![8, 5, 15]);
        assert_eq!(fit(&cols, 80, 1), vec![10, 5, 63]);
    }

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
        assert_eq!(clip("abc", 0), "");
    }
}
