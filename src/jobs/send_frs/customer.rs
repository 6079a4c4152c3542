//! The sale's customer: found by exact email or created (an unclear create is searched
//! for again, never made twice), and the FR's shipping address as the customer's.

use super::*;

/// The FR's shipping address as a customer SHIPPING address (the spec's
/// CreateCustomerAddress rules: country code, postcode, line 1 and city required; a state
/// code for US and CA).
pub(super) fn shipping_address(fr: &Fr) -> Result<CustomerAddress, String> {
    let s = &fr.shipping;
    let t = |x: &str| x.trim().to_string();
    let country = t(&s.country_code).to_ascii_uppercase();
    let state = t(&s.state);
    let mut missing = Vec::new();
    for (label, v) in [
        ("Address Line 1", &s.address_line_1),
        ("City", &s.city),
        ("Postal Code", &s.postal_code),
        ("Country Code", &s.country_code),
    ] {
        if v.trim().is_empty() {
            missing.push(label);
        }
    }
    if matches!(country.as_str(), "US" | "CA") && state.is_empty() {
        missing.push("State");
    }
    if !missing.is_empty() {
        return Err(format!(
            "the delivery needs the FR's shipping address, which lacks {}",
            missing
                .iter()
                .map(|m| format!("Shipping Address: {m}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let line2: Vec<String> = [&s.address_line_2, &s.address_line_3]
        .iter()
        .map(|x| t(x))
        .filter(|x| !x.is_empty())
        .collect();
    let state_code = (state.len() == 2 && state.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| state.to_ascii_uppercase());
    if matches!(country.as_str(), "US" | "CA") && state_code.is_none() {
        return Err(format!(
            "the delivery needs a two-letter state code in Shipping Address: State, not {:?}",
            state.chars().take(40).collect::<String>()
        ));
    }
    let line2 = line2.join(", ");
    // The spec's CreateCustomerAddress limits; cutting an address could misdirect a parcel.
    for (label, v, max) in [
        ("Address Line 1", s.address_line_1.trim(), 50),
        ("Address Line 2 (with Line 3)", line2.as_str(), 50),
        ("City", s.city.trim(), 28),
        ("State", state.as_str(), 35),
    ] {
        if v.chars().count() > max {
            return Err(format!(
                "Shipping Address: {label} is longer than the {max} characters a store address holds; shorten it in the FR"
            ));
        }
    }
    Ok(CustomerAddress {
        id: None,
        kind: "SHIPPING".into(),
        address_line_1: t(&s.address_line_1),
        address_line_2: Some(line2).filter(|x| !x.is_empty()),
        city: t(&s.city),
        state: Some(state).filter(|x| !x.is_empty()),
        state_code,
        postcode: t(&s.postal_code),
        country_code: country,
        suburb: None,
    })
}

impl Job<'_> {
    /// Finds the customer by email, or creates them. An unclear create is reconciled by
    /// searching again, so a retry does not make a second customer. Only a customer with
    /// exactly this email (trimmed, without case) is ever taken: a search answer or a create
    /// answer about anyone else is not a match.
    pub(super) async fn customer(
        &mut self,
        m: &MappedRecord,
    ) -> Result<Result<String, String>, JobError> {
        let email = text_of(m, "Customer: Email");
        let key = email.to_ascii_lowercase();
        if !key.is_empty() {
            if let Some(id) = self.customers.get(&key) {
                return Ok(Ok(id.clone()));
            }
            if let Some(id) = self.customer_by_email(&email).await? {
                self.customers.insert(key, id.clone());
                return Ok(Ok(id));
            }
        }
        if self.opts.dry_run {
            return Ok(Ok("(new customer)".into()));
        }
        let opt = |t: &str| Some(text_of(m, t)).filter(|s| !s.is_empty());
        let c = Customer {
            first_name: opt("Customer: First Name"),
            last_name: opt("Customer: Last Name"),
            email: opt("Customer: Email"),
            phone: opt("Customer: Phone"),
            company_name: opt("Customer: Company Name"),
            physical_address_1: opt("Customer: Physical Address 1"),
            physical_address_2: opt("Customer: Physical Address 2"),
            physical_city: opt("Customer: Physical City"),
            physical_state: opt("Customer: Physical State"),
            physical_postcode: opt("Customer: Physical Postcode"),
            physical_country_id: opt("Customer: Physical Country Id"),
            custom_field_1: opt("Customer: Custom Field 1"),
            custom_field_2: opt("Customer: Custom Field 2"),
            custom_field_3: opt("Customer: Custom Field 3"),
            custom_field_4: opt("Customer: Custom Field 4"),
            ..Customer::default()
        };
        // The client answers `Ambiguous` when the created customer carries another email.
        match self.ctx.client.create_customer(&c).await {
            Ok(c) => match c.id {
                Some(id) => {
                    if !key.is_empty() {
                        self.customers.insert(key, id.clone());
                    }
                    Ok(Ok(id))
                }
                None => Ok(Err("the store created the customer but sent no id".into())),
            },
            Err(ApiError::Ambiguous { cause, .. }) if !key.is_empty() => {
                match self.customer_by_email(&email).await? {
                    Some(id) => {
                        self.customers.insert(key, id.clone());
                        Ok(Ok(id))
                    }
                    None => Ok(Err(format!(
                        "creating the customer had no clear outcome ({cause}), and the store has no customer with email {email}; the next run looks again before creating one"
                    ))),
                }
            }
            Err(ApiError::Ambiguous { cause, .. }) => Ok(Err(format!(
                "creating the customer had no clear outcome ({cause})"
            ))),
            Err(ApiError::Rejected { status, detail, .. }) => Ok(Err(format!(
                "the store refused the customer ({status}: {detail}); check the customer fields in the Send FRs template"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// The id of a live store customer whose email is exactly `email`.
    pub(super) async fn customer_by_email(&self, email: &str) -> Result<Option<String>, JobError> {
        let found = self.ctx.client.find_customers_by_email(email).await?;
        Ok(found
            .into_iter()
            .filter(|c| c.deleted_at.is_none() && c.has_email(email))
            .find_map(|c| c.id))
    }
}
