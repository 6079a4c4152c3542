use super::fields::{methods_text, parse_methods, parse_schedule};
use super::*;

#[test]
fn schedules_parse() {
    assert_eq!(parse_schedule(""), Ok(None));
    assert_eq!(parse_schedule(" manual "), Ok(None));
    assert_eq!(
        parse_schedule("every 15m"),
        Ok(Some(Schedule::EveryMinutes(15)))
    );
    assert_eq!(
        parse_schedule("Every 2h"),
        Ok(Some(Schedule::EveryMinutes(120)))
    );
    assert_eq!(
        parse_schedule("every 5 minutes"),
        Ok(Some(Schedule::EveryMinutes(5)))
    );
    assert_eq!(
        parse_schedule("*/15  9-17 * jan-mar mon-fri"),
        Ok(Some(Schedule::Cron("*/15 9-17 * jan-mar mon-fri".into())))
    );
    assert_eq!(
        parse_schedule("0 0 1,15 * 0"),
        Ok(Some(Schedule::Cron("0 0 1,15 * 0".into())))
    );
    for bad in [
        "every 0m",
        "every m",
        "every 5x",
        "every 99999999999h",
        "60 * * * *",
        "* 24 * * *",
        "* * * 13 *",
        "* * * *",
        "hourly",
    ] {
        assert!(parse_schedule(bad).is_err(), "{bad}");
    }
}

#[test]
fn methods_round_trip() {
    let m = parse_methods("Ground, UPS, GND; Local pickup ;; 2-Day, , X2").unwrap();
    assert_eq!(m.len(), 3);
    assert_eq!(m[2].carrier, None);
    assert_eq!(m[2].code.as_deref(), Some("X2"));
    assert_eq!(parse_methods(&methods_text(&m)).unwrap(), m);
    assert!(parse_methods(", UPS").is_err());
    assert!(parse_methods("a, b, c, d").is_err());
}

#[test]
fn defaults_check_out_and_edit_keeps_what_the_form_does_not_show() {
    let mut w = Wizard::add();
    let errs = w.check(&[]).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, W::Name);
    let mut s = Source {
        id: 7,
        name: "harbor".into(),
        ..Source::default()
    };
    s.secondary.quantity_from = QuantityFrom::Outlet("o1".into());
    s.primary.schedule = Some(Schedule::EveryMinutes(90));
    s.send_frs.business_hours = BusinessHours::parse("mon-fri 09:00-17:00 UTC").ok();
    w = Wizard::edit(&s);
    let back = w.check(&[s.clone()]).unwrap();
    assert_eq!(back, s);
    assert!(w.save(&[]).is_some());
}
