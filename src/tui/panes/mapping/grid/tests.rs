use super::*;

/// The rows the grid draws with the ✘ marker, by target field.
fn marked_rows(g: &Grid) -> Vec<String> {
    let theme =
        crate::tui::theme::Theme::built_in("default", crate::tui::theme::ColorMode::NoColor)
            .unwrap();
    let keymap = crate::tui::keymap::Keymap::default();
    let shared = crate::tui::shared::Shared::default();
    let ui = crate::tui::panes::Ui {
        theme: &theme,
        keymap: &keymap,
        shared: &shared,
    };
    let (w, h) = (140u16, 60u16);
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    term.draw(|f| super::super::draw::grid(f, f.area(), &ui, g, None))
        .unwrap();
    let buf = term.backend().buffer().clone();
    let lines: Vec<String> = (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect())
        .collect();
    g.template
        .fields
        .iter()
        .filter(|f| {
            lines.iter().any(|l| {
                l.contains('✘')
                    && l.split_whitespace()
                        .any(|word| word.trim_end_matches('*') == f.target)
            })
        })
        .map(|f| f.target.clone())
        .collect()
}

/// Issue 13's done-when: the engine's refusal is typed, so rewording it (here: words
/// that name no field at all, or another field) still marks the row it is about.
#[test]
fn a_reworded_invalid_template_error_still_marks_the_right_row() {
    let t = crate::mapping::default_template(Integration::Primary);
    assert!(t.field("SKU").is_some() && t.field("Brand").is_some());
    for wording in [
        "Get Inventory (Primary) requires this field; map it to a value",
        "zzz — any words at all",
        "Brand: this text names another field",
    ] {
        let mut g = Grid::new("s".into(), t.clone(), Some(t.clone()), None);
        assert!(marked_rows(&g).is_empty(), "{:?}", marked_rows(&g));
        let refusal = EngineError::InvalidTemplate {
            template: t.name.clone(),
            issues: vec![ValidationIssue {
                field: "SKU".into(),
                message: wording.into(),
            }],
        };
        g.save_failed(&refusal);
        assert_eq!(marked_rows(&g), vec!["SKU".to_string()], "{wording}");
        let sku = g.template.fields.iter().position(|f| f.target == "SKU");
        assert_eq!(g.row_issues(sku.unwrap()), vec![wording]);
        // Any other refusal marks no row, whatever its words.
        g.save_failed(&EngineError::refused(format!("SKU: {wording}")));
        assert!(marked_rows(&g).is_empty(), "{wording}");
    }
}

#[test]
fn picking_methods_chains_to_what_they_need() {
    let t = crate::mapping::default_template(Integration::Primary);
    let mut g = Grid::new("s".into(), t.clone(), Some(t), None);
    g.row = 1;
    g.col = 1;
    assert_eq!(g.act(Act::Edit, &[]), Ask::Nothing);
    assert!(matches!(g.overlay, Some(Overlay::Pick(_))));
    // Transform It keeps the source and opens its editor.
    g.act(Act::Down, &[]);
    g.act(Act::Down, &[]);
    g.act(Act::Edit, &[]);
    assert!(g.overlay.is_none());
    assert_eq!(g.editors.len(), 1);
    assert_eq!(source_of(&g.template.fields[1].method), Some("Name"));
    // a: add a step, pick Prefix (index 4), type its text.
    g.act(Act::Add, &[]);
    for _ in 0..4 {
        g.act(Act::Down, &[]);
    }
    g.act(Act::Edit, &[]);
    assert!(matches!(g.overlay, Some(Overlay::Input(_))));
    for c in "HP ".chars() {
        g.act(
            Act::Key(crossterm::event::KeyEvent::from(
                crossterm::event::KeyCode::Char(c),
            )),
            &[],
        );
    }
    g.act(Act::Edit, &[]);
    assert_eq!(
        g.template.fields[1].method,
        Method::transform("Name", vec![Step::Prefix("HP ".into())])
    );
    assert!(g.dirty());
    // Esc closes the editor, a second Esc asks before dropping the change.
    g.act(Act::Back, &[]);
    assert!(matches!(g.act(Act::Back, &[]), Ask::Confirm(_)));
}
