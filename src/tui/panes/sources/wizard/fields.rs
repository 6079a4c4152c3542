//! The wizard's fields both ways: a source's settings laid out as the form's steps
//! (`build`), and the form read back into a source with every check a field can have
//! (`check`), plus the small parsers they share.

use super::*;

/// The wizard field of a setting id from [`crate::source::validate`] (its `Issue::setting`).
pub(super) fn setting_field(setting: &str) -> Option<W> {
    Some(match setting {
        crate::source::validate::NAME => W::Name,
        "Ship From Address" => W::Address,
        "Ship From City" => W::City,
        "Ship From State" => W::State,
        "Ship From Postal Code" => W::Postal,
        "Ship From Country" => W::Country,
        "Ship From Contact" => W::Contact,
        "Ship From Phone" => W::Phone,
        "Ship From Email" => W::Email,
        "Shipping Methods" => W::Methods,
        "Connection" => W::Connection,
        "Archive Limit" => W::PLimit,
        "Get Inventory (Primary) Quantity From" => W::POutlet,
        "Get Inventory (Primary) Schedule" => W::PSchedule,
        "Get Inventory (Secondary) Schedule" => W::SSchedule,
        "Send FRs Schedule" => W::FSchedule,
        "Hold Hours" => W::Hold,
        "Only Send During Business Hours" => W::Hours,
        "Register ID" => W::Register,
        "User ID" => W::User,
        "Tax ID" => W::Tax,
        "Payment Type ID" => W::Payment,
        "Shipping Product ID" => W::Shipping,
        _ => return None,
    })
}

pub(super) const AUTO: [AutoProcessing; 3] = [
    AutoProcessing::UseGlobal,
    AutoProcessing::AutoProcess,
    AutoProcessing::DoNotAutoProcess,
];

pub(super) fn schedule_text(s: Option<&Schedule>) -> String {
    s.map(scheduler::text).unwrap_or_default()
}

pub(super) fn methods_text(m: &[ShippingMethod]) -> String {
    m.iter()
        .map(|m| {
            let mut parts = vec![m.name.clone()];
            match (&m.carrier, &m.code) {
                (Some(c), Some(k)) => {
                    parts.push(c.clone());
                    parts.push(k.clone());
                }
                (Some(c), None) => parts.push(c.clone()),
                (None, Some(k)) => {
                    parts.push(String::new());
                    parts.push(k.clone());
                }
                (None, None) => {}
            }
            parts.join(", ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub(super) fn parse_methods(s: &str) -> Result<Vec<ShippingMethod>, &'static str> {
    let mut out = Vec::new();
    for item in s.split(';').map(str::trim).filter(|i| !i.is_empty()) {
        let parts: Vec<&str> = item.split(',').map(str::trim).collect();
        if parts.len() > 3 {
            return Err(text::METHOD_PARTS);
        }
        let name = parts.first().copied().unwrap_or("");
        if name.is_empty() {
            return Err(text::METHOD_NAME);
        }
        let opt = |i: usize| {
            parts
                .get(i)
                .filter(|p| !p.is_empty())
                .map(|p| p.to_string())
        };
        out.push(ShippingMethod {
            name: name.to_string(),
            carrier: opt(1),
            code: opt(2),
        });
    }
    Ok(out)
}

pub(super) fn well_formed_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(super) fn opt(s: String) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

/// A schedule as typed: empty (or "manual" / "none") = run manually, else what the
/// scheduler reads ([`scheduler::parse`]: `every 15m`, `every 2h`, `every 1d`, or a
/// 5-field cron expression in UTC), so the wizard accepts exactly what will run.
pub fn parse_schedule(s: &str) -> Result<Option<Schedule>, String> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("manual") {
        return Ok(None);
    }
    scheduler::parse(t)
}

pub(super) fn yes_no(id: W, step: usize, label: &'static str, v: bool) -> Field<W> {
    Field::yes_no(id, step, label, [text::YES, text::NO], v)
}

pub(super) fn template_options(names: &[String], current: Option<&str>) -> Vec<Choice> {
    let mut out: Vec<Choice> = names.iter().map(Choice::new).collect();
    if let Some(c) = current {
        if !names.iter().any(|n| n == c) {
            out.insert(0, Choice::new(c));
        }
    }
    out.push(Choice::new(text::NONE));
    out
}

impl Wizard {
    pub(super) fn build(s: &Source, original: Option<Source>) -> Wizard {
        let type_options = SourceType::ALL
            .iter()
            .zip(text::TYPE_HELP)
            .map(|(t, h)| Choice::with_help(t.label(), h))
            .collect();
        let type_sel = SourceType::ALL
            .iter()
            .position(|t| *t == s.source_type)
            .unwrap_or(0);
        let auto_sel = AUTO
            .iter()
            .position(|a| *a == s.auto_processing)
            .unwrap_or(0);
        let (qty_sel, outlet) = match &s.primary.quantity_from {
            QuantityFrom::AllOutlets => (0, String::new()),
            QuantityFrom::Outlet(o) => (1, o.clone()),
        };
        let a = &s.ship_from;
        let f = &s.send_frs;
        let tpl = |id, step, current: Option<&str>| {
            Field::choice(id, step, text::TEMPLATE, template_options(&[], current), 0)
        };
        let hours = f
            .business_hours
            .as_ref()
            .map(BusinessHours::describe)
            .unwrap_or_default();
        let fields = vec![
            // 1 Source
            Field::text(W::Name, 0, text::NAME, &s.name).placeholder(text::REQUIRED),
            Field::choice(W::Type, 0, text::TYPE, type_options, type_sel),
            Field::choice(
                W::Fulfills,
                0,
                text::FULFILLS,
                vec![
                    Choice::with_help(text::YES_RECOMMENDED, text::FULFILLS_YES),
                    Choice::with_help(text::NO, text::FULFILLS_NO),
                ],
                if s.fulfills_orders { 0 } else { 1 },
            ),
            // 2 Order processing
            Field::choice(
                W::Auto,
                1,
                text::AUTO,
                text::AUTO_OPTIONS.iter().map(|o| Choice::new(*o)).collect(),
                auto_sel,
            ),
            yes_no(W::Commit, 1, text::COMMIT, s.commit_stock).help(text::COMMIT_HELP),
            Field::choice(
                W::CommitRelease,
                1,
                text::COMMIT_RELEASE,
                CommitRelease::ALL
                    .iter()
                    .zip(text::COMMIT_RELEASE_HELP)
                    .map(|(r, h)| Choice::with_help(r.label(), h))
                    .collect(),
                CommitRelease::ALL
                    .iter()
                    .position(|r| *r == s.commit_release)
                    .unwrap_or(0),
            ),
            yes_no(W::Backorders, 1, text::BACKORDERS, s.allow_backorders),
            yes_no(
                W::CancelUnack,
                1,
                text::CANCEL_UNACK,
                s.cancel_unacknowledged_items,
            )
            .help(text::CANCEL_HELP),
            // 3 Shipping
            Field::choice(
                W::Estimation,
                2,
                text::ESTIMATION,
                vec![Choice::new(text::RATE_SHOPPING), Choice::new(text::RULES)],
                match s.shipping_estimation {
                    ShippingEstimation::RateShopping => 0,
                    ShippingEstimation::Rules => 1,
                },
            ),
            Field::text(
                W::Methods,
                2,
                text::METHODS,
                &methods_text(&s.shipping_methods),
            )
            .placeholder(text::METHODS_PLACEHOLDER)
            .help(text::METHODS_HELP),
            // 4 Ship From
            Field::text(W::Address, 3, text::ADDRESS, &a.address),
            Field::text(W::City, 3, text::CITY, &a.city),
            Field::text(W::State, 3, text::STATE, &a.state),
            Field::text(W::Postal, 3, text::POSTAL, &a.postal_code),
            Field::text(W::Country, 3, text::COUNTRY, &a.country),
            Field::text(
                W::Contact,
                3,
                text::CONTACT,
                a.contact_name.as_deref().unwrap_or(""),
            )
            .placeholder(text::OPTIONAL),
            Field::text(W::Phone, 3, text::PHONE, a.phone.as_deref().unwrap_or(""))
                .placeholder(text::OPTIONAL),
            Field::text(W::Email, 3, text::EMAIL, a.email.as_deref().unwrap_or(""))
                .placeholder(text::OPTIONAL),
            // 5 Connection
            Field::choice(
                W::Connection,
                4,
                text::CONNECTION,
                match &s.connection {
                    Some(c) => vec![Choice::new(c.as_str()), Choice::new(text::NONE)],
                    None => vec![Choice::new(text::NONE)],
                },
                0,
            ),
            // 6 Primary
            tpl(W::PTemplate, 5, s.primary.template.as_deref()),
            yes_no(W::PArchive, 5, text::ARCHIVE, s.primary.archive_unarchive)
                .help(text::ARCHIVE_HELP),
            Field::choice(
                W::PQtyFrom,
                5,
                text::QTY_FROM,
                vec![
                    Choice::new(text::ALL_OUTLETS),
                    Choice::new(text::ONE_OUTLET),
                ],
                qty_sel,
            ),
            Field::text(W::POutlet, 5, text::OUTLET, &outlet)
                .placeholder(text::OUTLET_PLACEHOLDER)
                .help(text::OUTLET_HELP),
            Field::text(
                W::PLimit,
                5,
                text::LIMIT,
                &s.primary.archive_limit_pct.to_string(),
            )
            .help(text::LIMIT_HELP),
            Field::text(
                W::PSchedule,
                5,
                text::SCHEDULE,
                &schedule_text(s.primary.schedule.as_ref()),
            )
            .placeholder(text::SCHEDULE_PLACEHOLDER)
            .help(text::SCHEDULE_HELP),
            yes_no(
                W::PNotStock,
                5,
                text::NOT_STOCK,
                s.primary.include_not_stock,
            )
            .help(text::NOT_STOCK_HELP),
            // 7 Secondary
            tpl(W::STemplate, 6, s.secondary.template.as_deref()),
            yes_no(W::SArchive, 6, text::ARCHIVE, s.secondary.archive_unarchive),
            yes_no(
                W::SCreate,
                6,
                text::CREATE_VARIANT,
                s.secondary.allow_create_variant,
            )
            .help(text::CREATE_VARIANT_HELP),
            Field::text(
                W::SSchedule,
                6,
                text::SCHEDULE,
                &schedule_text(s.secondary.schedule.as_ref()),
            )
            .placeholder(text::SCHEDULE_PLACEHOLDER)
            .help(text::SCHEDULE_HELP),
            // 8 Send FRs
            tpl(W::FTemplate, 7, f.template.as_deref()),
            Field::text(
                W::Register,
                7,
                text::REGISTER,
                f.register_id.as_deref().unwrap_or(""),
            )
            .placeholder(text::REQUIRED_TO_SEND)
            .help(text::IDS_HELP),
            Field::text(W::User, 7, text::USER, f.user_id.as_deref().unwrap_or(""))
                .placeholder(text::REQUIRED_TO_SEND)
                .help(text::IDS_HELP),
            Field::text(W::Tax, 7, text::TAX, f.tax_id.as_deref().unwrap_or(""))
                .placeholder(text::REQUIRED_TO_SEND)
                .help(text::IDS_HELP),
            Field::text(
                W::Payment,
                7,
                text::PAYMENT,
                f.payment_type_id.as_deref().unwrap_or(""),
            )
            .placeholder(text::OPTIONAL)
            .help(text::PAYMENT_HELP),
            Field::text(W::Hold, 7, text::HOLD, &f.hold_hours.to_string()).help(text::HOLD_HELP),
            Field::text(W::Hours, 7, text::HOURS, &hours)
                .placeholder(text::HOURS_PLACEHOLDER)
                .help(text::HOURS_HELP),
            Field::text(
                W::FSchedule,
                7,
                text::SCHEDULE,
                &schedule_text(f.schedule.as_ref()),
            )
            .placeholder(text::SCHEDULE_PLACEHOLDER)
            .help(text::SCHEDULE_HELP),
            Field::text(
                W::Shipping,
                7,
                text::SHIPPING,
                f.shipping_product_id.as_deref().unwrap_or(""),
            )
            .placeholder(text::OPTIONAL)
            .help(text::SHIPPING_HELP),
        ];
        let mut w = Wizard {
            form: Form::new(fields),
            original,
            connections: Vec::new(),
            saving: false,
            store_options: None,
            loading: None,
            picker: None,
        };
        w.update_help();
        w
    }

    /// Reads the form into a source. Every problem is returned with its field.
    pub fn check(&self, others: &[Source]) -> Result<Source, Vec<(W, String)>> {
        let f = &self.form;
        let mut errors: Vec<(W, String)> = Vec::new();
        let mut s = self.original.clone().unwrap_or_default();

        let name = f.text(W::Name);
        if name.is_empty() {
            errors.push((W::Name, text::NAME_REQUIRED.into()));
        } else if name.chars().count() > 64 || name.chars().any(char::is_control) {
            errors.push((W::Name, text::NAME_BAD.into()));
        } else if let Some(orig) = &self.original {
            // The engine checks new names; a rename is checked here.
            if others.iter().any(|o| o.name == name && o.id != orig.id) {
                errors.push((W::Name, text::renamed_clash(&name)));
            }
        }
        s.name = name;
        s.source_type = SourceType::ALL
            .get(f.selected(W::Type))
            .copied()
            .unwrap_or_default();
        s.fulfills_orders = f.selected(W::Fulfills) == 0;
        s.auto_processing = AUTO.get(f.selected(W::Auto)).copied().unwrap_or_default();
        s.commit_stock = f.selected(W::Commit) == 0;
        s.commit_release = CommitRelease::ALL
            .get(f.selected(W::CommitRelease))
            .copied()
            .unwrap_or_default();
        s.allow_backorders = f.selected(W::Backorders) == 0;
        s.cancel_unacknowledged_items = f.selected(W::CancelUnack) == 0;
        s.shipping_estimation = if f.selected(W::Estimation) == 0 {
            ShippingEstimation::RateShopping
        } else {
            ShippingEstimation::Rules
        };
        match parse_methods(&f.text(W::Methods)) {
            Ok(m) => s.shipping_methods = m,
            Err(e) => errors.push((W::Methods, e.into())),
        }
        let email = f.text(W::Email);
        if !email.is_empty() && (!email.contains('@') || email.chars().any(char::is_whitespace)) {
            errors.push((W::Email, text::EMAIL_BAD.into()));
        }
        s.ship_from = Address {
            address: f.text(W::Address),
            city: f.text(W::City),
            state: f.text(W::State),
            postal_code: f.text(W::Postal),
            country: f.text(W::Country),
            contact_name: opt(f.text(W::Contact)),
            phone: opt(f.text(W::Phone)),
            email: opt(email),
        };
        s.connection = f
            .selected_label(W::Connection)
            .filter(|l| *l != text::NONE)
            .map(str::to_string);
        let template = |id| {
            f.selected_label(id)
                .filter(|l| *l != text::NONE)
                .map(str::to_string)
        };
        let schedule = |id, errors: &mut Vec<(W, String)>| match parse_schedule(&f.text(id)) {
            Ok(s) => s,
            Err(e) => {
                errors.push((id, e));
                None
            }
        };

        s.primary.template = template(W::PTemplate);
        s.primary.archive_unarchive = f.selected(W::PArchive) == 0;
        s.primary.include_not_stock = f.selected(W::PNotStock) == 0;
        s.primary.quantity_from = if f.selected(W::PQtyFrom) == 0 {
            QuantityFrom::AllOutlets
        } else {
            let o = f.text(W::POutlet);
            if o.is_empty() {
                errors.push((W::POutlet, text::OUTLET_REQUIRED.into()));
            } else if !well_formed_id(&o) {
                errors.push((W::POutlet, text::NOT_AN_ID.into()));
            }
            QuantityFrom::Outlet(o)
        };
        match f.text(W::PLimit).parse::<u8>() {
            Ok(n) if n <= 100 => s.primary.archive_limit_pct = n,
            _ => errors.push((W::PLimit, text::NUMBER_PCT.into())),
        }
        s.primary.schedule = schedule(W::PSchedule, &mut errors);

        s.secondary.template = template(W::STemplate);
        s.secondary.archive_unarchive = f.selected(W::SArchive) == 0;
        s.secondary.allow_create_variant = f.selected(W::SCreate) == 0;
        s.secondary.schedule = schedule(W::SSchedule, &mut errors);

        s.send_frs.template = template(W::FTemplate);
        for (id, slot) in [
            (W::Register, &mut s.send_frs.register_id),
            (W::User, &mut s.send_frs.user_id),
            (W::Tax, &mut s.send_frs.tax_id),
            (W::Payment, &mut s.send_frs.payment_type_id),
            (W::Shipping, &mut s.send_frs.shipping_product_id),
        ] {
            let v = f.text(id);
            if !v.is_empty() && !well_formed_id(&v) {
                errors.push((id, text::NOT_AN_ID.into()));
            }
            *slot = opt(v);
        }
        match f.text(W::Hold).parse::<u32>() {
            Ok(n) if n <= 8760 => s.send_frs.hold_hours = n,
            _ => errors.push((W::Hold, text::NUMBER_HOURS.into())),
        }
        let hours = f.text(W::Hours);
        s.send_frs.business_hours = if hours.is_empty() {
            None
        } else {
            match BusinessHours::parse(&hours) {
                Ok(h) => Some(h),
                Err(e) => {
                    errors.push((W::Hours, e));
                    None
                }
            }
        };
        s.send_frs.schedule = schedule(W::FSchedule, &mut errors);

        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
    }
}
