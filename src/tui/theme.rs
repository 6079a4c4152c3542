//! Semantic colours (Meaning → Style) loaded from `themes/*.toml`, rendered in an explicit
//! colour mode. The mode is an input, never read from the environment during rendering, so
//! snapshots do not change with the CI's `NO_COLOR`.
//!
//! `NO_COLOR` pitfall (crossterm 0.28): crossterm itself honours `NO_COLOR` by emitting an
//! empty colour sequence, which terminals read as SGR 0 and which cancels REVERSED/BOLD, so
//! selections vanish. The front end turns crossterm's own handling off and implements
//! `NO_COLOR` here: every colour becomes `Reset`, modifiers stay.

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorMode {
    TrueColor,
    Ansi256,
    Ansi16,
    NoColor,
}

impl ColorMode {
    /// What the terminal can show: `NO_COLOR` wins, then `COLORTERM`.
    pub fn detect() -> ColorMode {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return ColorMode::NoColor;
        }
        match std::env::var("COLORTERM").as_deref() {
            Ok("truecolor") | Ok("24bit") => ColorMode::TrueColor,
            _ => ColorMode::Ansi256,
        }
    }
}

pub const BUILT_IN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("light", include_str!("../../themes/light.toml")),
    ("harbor", include_str!("../../themes/harbor.toml")),
];

const KEYS: [&str; 14] = [
    "text",
    "dim",
    "accent",
    "title",
    "border",
    "border_focused",
    "selected_fg",
    "selected_bg",
    "ok",
    "warn",
    "error",
    "key",
    "bar_fg",
    "bar_bg",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    colors: BTreeMap<String, String>,
    #[serde(default)]
    fallback256: BTreeMap<String, u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub dim: Style,
    pub accent: Style,
    pub title: Style,
    pub border: Style,
    pub border_focused: Style,
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    pub key: Style,
    pub bar: Style,
}

fn parse_color(s: &str) -> Result<Color, String> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(hex) = t.strip_prefix('#') {
        if hex.len() == 6 {
            if let Ok(v) = u32::from_str_radix(hex, 16) {
                return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
            }
        }
        return Err(format!("colour {s:?}: write #rrggbb"));
    }
    if let Ok(n) = t.parse::<u8>() {
        return Ok(Color::Indexed(n));
    }
    let c = match t.replace(['-', '_', ' '], "").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => {
            return Err(format!(
                "colour {s:?} is not an ANSI name (cyan, lightred, reset…), #rrggbb or 0-255"
            ))
        }
    };
    Ok(c)
}

/// ANSI-16 approximation of an RGB or indexed colour, for 16-colour mode.
fn to_16(c: Color) -> Color {
    match c {
        Color::Rgb(r, g, b) => {
            let bright = u16::from(r) + u16::from(g) + u16::from(b) > 384;
            let (r, g, b) = (r > 127, g > 127, b > 127);
            match (r, g, b, bright) {
                (false, false, false, false) => Color::Black,
                (false, false, false, true) => Color::DarkGray,
                (true, false, false, _) => Color::Red,
                (false, true, false, _) => Color::Green,
                (true, true, false, _) => Color::Yellow,
                (false, false, true, _) => Color::Blue,
                (true, false, true, _) => Color::Magenta,
                (false, true, true, _) => Color::Cyan,
                (true, true, true, false) => Color::Gray,
                (true, true, true, true) => Color::White,
            }
        }
        Color::Indexed(_) => Color::Reset,
        other => other,
    }
}

impl Theme {
    /// A built-in theme by name, or a file's text. Every problem is one line.
    pub fn parse(text: &str, mode: ColorMode) -> Result<Theme, String> {
        let f: ThemeFile = toml::from_str(text).map_err(|e| {
            let m = e.to_string();
            format!("theme: {}", m.lines().next().unwrap_or(""))
        })?;
        for k in f.colors.keys() {
            if !KEYS.contains(&k.as_str()) {
                return Err(format!(
                    "theme {}: unknown colour {k:?}; use {}",
                    f.name,
                    KEYS.join(", ")
                ));
            }
        }
        let color = |k: &str| -> Result<Color, String> {
            let raw = f.colors.get(k).map(String::as_str).unwrap_or("reset");
            let c = parse_color(raw).map_err(|e| format!("theme {} {k}: {e}", f.name))?;
            Ok(match (mode, c) {
                (ColorMode::NoColor, _) => Color::Reset,
                (ColorMode::Ansi256, Color::Rgb(..)) => match f.fallback256.get(k) {
                    Some(n) => Color::Indexed(*n),
                    None => {
                        return Err(format!(
                            "theme {}: {k} is a truecolor colour without a [fallback256] entry",
                            f.name
                        ))
                    }
                },
                (ColorMode::Ansi16, c) => to_16(c),
                (_, c) => c,
            })
        };
        let fg = |k: &str| -> Result<Style, String> { Ok(Style::new().fg(color(k)?)) };
        Ok(Theme {
            name: f.name.clone(),
            text: fg("text")?,
            dim: fg("dim")?,
            accent: fg("accent")?,
            title: fg("title")?.add_modifier(Modifier::BOLD),
            border: fg("border")?,
            border_focused: fg("border_focused")?,
            // REVERSED keeps the selection visible with colours off.
            selected: match mode {
                ColorMode::NoColor => Style::new().add_modifier(Modifier::REVERSED),
                _ => Style::new()
                    .fg(color("selected_fg")?)
                    .bg(color("selected_bg")?),
            }
            .add_modifier(Modifier::BOLD),
            ok: fg("ok")?,
            warn: fg("warn")?,
            error: fg("error")?.add_modifier(Modifier::BOLD),
            key: fg("key")?.add_modifier(Modifier::BOLD),
            bar: match mode {
                ColorMode::NoColor => Style::new().add_modifier(Modifier::REVERSED),
                _ => Style::new().fg(color("bar_fg")?).bg(color("bar_bg")?),
            },
        })
    }

    pub fn built_in(name: &str, mode: ColorMode) -> Result<Theme, String> {
        let text = BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                format!(
                    "no theme named {name:?}: pick one of {} or put {name}.toml in <data dir>/themes/",
                    BUILT_IN.map(|(n, _)| n).join(", ")
                )
            })?;
        Theme::parse(text, mode)
    }

    /// A theme by name: `<data dir>/themes/NAME.toml` first, then the built-in ones.
    pub fn load(
        name: &str,
        data_dir: Option<&std::path::Path>,
        mode: ColorMode,
    ) -> Result<Theme, String> {
        if let Some(dir) = data_dir {
            let p = dir.join("themes").join(format!("{name}.toml"));
            if let Ok(text) = std::fs::read_to_string(&p) {
                return Theme::parse(&text, mode).map_err(|e| format!("{}: {e}", p.display()));
            }
        }
        Theme::built_in(name, mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_loads_in_every_mode() {
        for (name, _) in BUILT_IN {
            for mode in [
                ColorMode::TrueColor,
                ColorMode::Ansi256,
                ColorMode::Ansi16,
                ColorMode::NoColor,
            ] {
                Theme::built_in(name, mode).unwrap_or_else(|e| panic!("{name} {mode:?}: {e}"));
            }
        }
    }

    #[test]
    fn default_uses_only_the_16_ansi_colours() {
        let t = Theme::built_in("default", ColorMode::TrueColor).unwrap();
        for s in [
            t.text, t.dim, t.accent, t.title, t.border, t.selected, t.ok, t.warn, t.error, t.key,
            t.bar,
        ] {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?}");
            }
        }
    }

    #[test]
    fn no_color_keeps_the_selection_visible() {
        let t = Theme::built_in("harbor", ColorMode::NoColor).unwrap();
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
        assert_eq!(t.accent.fg, Some(Color::Reset));
    }

    #[test]
    fn truecolor_falls_back_to_256() {
        let t = Theme::built_in("harbor", ColorMode::Ansi256).unwrap();
        assert_eq!(t.accent.fg, Some(Color::Indexed(110)));
        let err =
            Theme::parse("name='x'\n[colors]\naccent='#112233'\n", ColorMode::Ansi256).unwrap_err();
        assert!(err.contains("fallback256"), "{err}");
        assert!(Theme::parse(
            "name='x'\n[colors]\naccent='purplish'\n",
            ColorMode::TrueColor
        )
        .is_err());
        assert!(Theme::built_in("nope", ColorMode::Ansi16).is_err());
    }
}
