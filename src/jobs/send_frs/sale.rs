//! The sale body and its money: every line mapped, the order's figures in cents, the
//! store's tax mode and payment types read once per run, and the fulfillment details.

use super::*;

pub(super) fn text_of(m: &MappedRecord, target: &str) -> String {
    match m.get(target) {
        Some(FieldOutcome::Set(v)) => v.as_text().trim().to_string(),
        _ => String::new(),
    }
}

pub(super) fn number_of(m: &MappedRecord, target: &str) -> Result<Option<f64>, String> {
    match m.get(target) {
        Some(FieldOutcome::Set(FieldValue::Number(n))) => Ok(Some(*n)),
        Some(FieldOutcome::Set(v)) if v.is_blank() => Ok(None),
        Some(FieldOutcome::Set(v)) => v
            .as_text()
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| format!("{target} is {:?}, not a number", v.as_text())),
        _ => Ok(None),
    }
}

/// An amount in cents, or why it cannot be one.
pub(super) fn money_cents(x: f64, what: &str) -> Result<Cents, String> {
    sale_money::cents(x).ok_or_else(|| format!("{what} {x} is not an amount"))
}

/// An order-level money target: `None` when the template does not map it; `Some(0)` when it
/// maps it to nothing on purpose (blank, Set to Empty, Skip It).
pub(super) fn adjustment(m: &MappedRecord, target: &str) -> Result<Option<Cents>, String> {
    match m.get(target) {
        None => Ok(None),
        Some(FieldOutcome::Set(_)) => match number_of(m, target)? {
            Some(x) => money_cents(x, target).map(Some),
            None => Ok(Some(0)),
        },
        Some(FieldOutcome::Keep | FieldOutcome::Clear) => Ok(Some(0)),
    }
}

/// A figure of the store's `totals` (number or numeric string) in cents.
pub(super) fn total_cents(totals: &serde_json::Value, key: &str) -> Option<Cents> {
    let v = totals.get(key)?;
    let x = v
        .as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))?;
    sale_money::cents(x)
}

/// `Some(why)` when the created sale's `totals` (tax-inclusive total and tax) differ from
/// what was sent by a cent or more. A store that reports no totals is taken at its word.
pub(super) fn store_totals_differ(
    sale: &crate::lightspeed::models::Sale,
    body: &SaleRequest,
) -> Option<String> {
    let totals = sale.totals.as_ref()?;
    let sent = SaleMoney::of_request(body).ok()?;
    let total = total_cents(totals, "price_incl_tax");
    let tax = total_cents(totals, "tax");
    let off = total.is_some_and(|t| t != sent.total) || tax.is_some_and(|t| t != sent.tax);
    off.then(|| {
        format!(
            "the store recorded sale {} with total {} (tax {}) but the order totals {} (tax {}); correct or void it in Lightspeed, then `lsbridge fr retry`",
            sale.id,
            total.map_or("?".into(), show),
            tax.map_or("?".into(), show),
            show(sent.total),
            show(sent.tax)
        )
    })
}

impl Job<'_> {
    /// Maps every line, builds the sale body with the order's money, or says what is
    /// missing. The body is checked against the FR's own figures before it is returned.
    pub(super) fn build(
        &self,
        fr: &Fr,
        lines: &[Line],
        mapped: &[MappedRecord],
        customer_id: Option<String>,
        id: &str,
        dispatch: Vec<FulfillmentDetail>,
    ) -> Result<SaleRequest, String> {
        let head = mapped.first().ok_or("no line to send")?;
        let facts = self
            .store_money
            .as_ref()
            .ok_or("the store's tax settings were not read")?;
        let state: SaleState = sale_state::parse(&text_of(head, "Register Sale: Status"))?;
        let mut items = Vec::new();
        let mut order_items: Cents = 0;
        for (line, m) in lines.iter().zip(mapped) {
            let item = &fr.items[line.index];
            let price = number_of(m, "Register Sale Item: Price")?.ok_or_else(|| {
                format!("SKU {}: Register Sale Item: Price is empty; map it (usually from FR Item: Unit Price)", item.sku)
            })?;
            let quantity = number_of(m, "Register Sale Item: Quantity")?.ok_or_else(|| {
                format!("SKU {}: Register Sale Item: Quantity is empty; map it (usually from FR Item: Quantity)", item.sku)
            })?;
            if quantity <= 0.0 || !quantity.is_finite() {
                return Err(format!(
                    "SKU {}: quantity {quantity} is not positive",
                    item.sku
                ));
            }
            let unit_price = money_cents(price, &format!("SKU {}: price", item.sku))?;
            let unit_tax = number_of(m, "Register Sale Item: Tax")?
                .map(|t| money_cents(t, &format!("SKU {}: tax", item.sku)))
                .transpose()?;
            order_items += money_cents(
                item.quantity * item.unit_price,
                &format!("SKU {}: line value", item.sku),
            )?;
            items.push(ItemLine {
                sku: item.sku.clone(),
                product_id: line.product_id.clone(),
                quantity,
                unit_price,
                unit_tax,
            });
        }
        // Order-level money: what the template maps, else the FR's own (tax: the rate).
        let discount = match adjustment(head, "Adjustments: Total Discount")? {
            Some(d) => d,
            None => money_cents(fr.discount, "the FR's discount")?,
        };
        let shipping = match adjustment(head, "Adjustments: Total Shipping Cost")? {
            Some(c) => c,
            None => money_cents(fr.shipping_cost, "the FR's shipping cost")?,
        };
        let tax = match adjustment(head, "Adjustments: Total Tax")? {
            Some(t) => TaxFrom::Total(t),
            None if items.iter().any(|l| l.unit_tax.is_some()) => TaxFrom::PerLine,
            None => TaxFrom::Rate(facts.tax_rate.ok_or("the Tax ID's rate was not read")?),
        };
        let shipping_line = if shipping > 0 {
            let Some(p) = &self.ids.shipping_product else {
                return Err(format!(
                    "the FR has a shipping cost of {} but Send FRs has no Shipping Product ID: pick the store's shipping product from `lsbridge source options {name}` and set it with `lsbridge source set {name} --shipping-product-id ID` (or map Adjustments: Total Shipping Cost to Set It 0 to not charge shipping)",
                    show(shipping),
                    name = self.source.name
                ));
            };
            Some((p.clone(), shipping))
        } else {
            None
        };
        let payment_type = self.payment_type_for(fr)?;
        if state.is_closed() && payment_type.is_none() {
            return Err("the sale status is closed, which needs a payment, but the FR has no payment method: set a payment type with `lsbridge source set --payment-type-id` or send it unclosed".into());
        }
        let date = if self.source.send_frs.sale_date_from_fr {
            Some(
                crate::frs::model::parse_time(&fr.created_at)
                    .map(clock::rfc3339)
                    .ok_or_else(|| {
                        format!(
                            "Sale Date From FR is on but the FR's created-at {:?} is not a time",
                            fr.created_at
                        )
                    })?,
            )
        } else {
            Some(clock::rfc3339(self.now()))
        };
        let plan = MoneyPlan {
            lines: items,
            tax,
            tax_id: self.ids.tax.clone(),
            no_tax_id: facts.no_tax_id.clone(),
            discount,
            discount_product: facts.discount_product.clone(),
            shipping: shipping_line,
            payment_type: payment_type.clone(),
            payment_date: date.clone(),
        };
        let parts = plan.build()?;
        let body_money = SaleMoney::of(
            &parts.line_items,
            parts.pricing.as_ref(),
            &parts.payments,
            facts.discount_product.as_deref(),
        )?;
        let order_tax = match tax {
            TaxFrom::Total(t) => t,
            // The template chose the rate or per-line tax: the lines are the intended tax.
            TaxFrom::PerLine | TaxFrom::Rate(_) => body_money.tax,
        };
        let order = OrderMoney {
            items: order_items,
            discount,
            shipping,
            tax: order_tax,
            paid: payment_type.is_some(),
        };
        sale_money::check(&body_money, &order)?;
        let mut note = text_of(head, "Register Sale: Note");
        if !fr.shipping_method.is_empty() {
            let ship = format!("Shipping: {}", fr.shipping_method);
            note = if note.is_empty() {
                ship
            } else {
                format!("{note} | {ship}")
            };
        }
        let source_id = Some(text_of(head, "Register Sale: Source Id")).filter(|s| !s.is_empty());
        Ok(SaleRequest {
            id: Some(id.to_string()),
            source: SaleSource {
                author_id: self.ids.user.clone(),
                register_id: Some(self.ids.register.clone()),
                id: Some(source_id.unwrap_or_else(|| fr.number.clone())),
                kind: Some(SALE_SOURCE_TYPE.to_string()),
            },
            state: state.state,
            attributes: state.attributes,
            customer_id,
            date,
            note: Some(note).filter(|n| !n.is_empty()),
            invoice_number: None,
            line_items: parts.line_items,
            payments: parts.payments,
            pricing: parts.pricing,
            fulfillment_details: dispatch,
        })
    }

    /// The store payment type of a paid FR: through the source's payment mapping set, else
    /// the payment type named like the FR's payment method, else the Payment Type ID. `None`
    /// when the FR has no payment method (it is sent unpaid).
    pub(super) fn payment_type_for(&self, fr: &Fr) -> Result<Option<String>, String> {
        let method = fr.payment_method.trim();
        if method.is_empty() {
            return Ok(None);
        }
        let facts = self
            .store_money
            .as_ref()
            .ok_or("the store's payment types were not read")?;
        let usable = |key: &str| {
            let key = key.trim();
            facts
                .payment_types
                .iter()
                .find(|p| p.id == key)
                .or_else(|| {
                    facts
                        .payment_types
                        .iter()
                        .find(|p| p.name.trim().eq_ignore_ascii_case(key))
                })
        };
        if let Some(set) = &self.payment_set {
            if let Some(to) = set.lookup(method) {
                return match usable(to) {
                    Some(p) => Ok(Some(p.id.clone())),
                    None => Err(format!(
                        "mapping set {:?} maps payment method {method:?} to {to:?}, which is not an enabled payment type in the store; fix the set (see `lsbridge source options {}`)",
                        set.name, self.source.name
                    )),
                };
            }
        }
        if let Some(p) = usable(method) {
            return Ok(Some(p.id.clone()));
        }
        match &self.ids.payment_type {
            Some(pt) => Ok(Some(pt.clone())),
            None => Err(format!(
                "the FR was paid by {method:?}, which is not a payment type in the store, and no Payment Type ID is set: set a payment type with `lsbridge source set {} --payment-type-id ID`{}",
                self.source.name,
                if self.payment_set.is_none() {
                    " or name a payment mapping set with --payment-mapping-set"
                } else {
                    " or add the method to the payment mapping set"
                }
            )),
        }
    }

    /// Reads what the money needs from the store once per run: `tax_exclusive` and the
    /// no-tax group (`GET /retailer`), the payment types, and the Tax ID's rate.
    pub(super) async fn load_store_money(&mut self) -> Result<(), JobError> {
        if self.store_money.is_some() {
            return Ok(());
        }
        let r = self.ctx.client.retailer().await?;
        // Prices go out before tax either way (see `sale_money`); the store's totals are
        // compared with the order's after each POST.
        self.log.info(match r.tax_exclusive {
            Some(true) => "the store is tax-exclusive".to_string(),
            Some(false) => "the store is tax-inclusive: sale prices are sent before tax with the unit tax, as in the docs' GST example, and the store's totals are checked".to_string(),
            None => "the store does not say whether it is tax-exclusive; the store's totals are checked after each sale".to_string(),
        });
        let payment_types = match crate::lightspeed::pager::VersionPager::<
            crate::lightspeed::models::PaymentType,
        >::new(&self.ctx.client, "/payment_types", None)
        .collect_all()
        .await
        {
            Ok(all) => all
                .into_iter()
                .filter(|p| p.deleted_at.is_none() && !p.disabled && !p.id.is_empty())
                .collect(),
            Err(ApiError::Forbidden { .. }) => {
                self.log.warn(
                    "the token may not read payment types (payment_types:read): paid FRs use the Payment Type ID",
                );
                Vec::new()
            }
            Err(e) => return Err(e.into()),
        };
        // The list, not `GET /taxes/{id}`: a tax read by id could come back as another.
        let tax_rate =
            crate::lightspeed::pager::VersionPager::<crate::lightspeed::models::Tax>::new(
                &self.ctx.client,
                "/taxes",
                None,
            )
            .collect_all()
            .await?
            .into_iter()
            .find(|t| t.id == self.ids.tax && t.deleted_at.is_none())
            .map(|t| t.rate());
        self.store_money = Some(StoreMoney {
            discount_product: r
                .discount_product_id
                .clone()
                .filter(|d| !d.trim().is_empty()),
            no_tax_id: r
                .no_tax_group_id
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| self.ids.tax.clone()),
            payment_types,
            tax_rate,
        });
        Ok(())
    }

    /// `fulfillment_details` for a delivery (the FR's shipping address as a SHIPPING address
    /// of the customer, reused when the customer already has it) or a pickup sale.
    pub(super) async fn dispatch(
        &self,
        fr: &Fr,
        attributes: &[String],
        customer: &str,
    ) -> Result<Result<Vec<FulfillmentDetail>, (bool, String)>, JobError> {
        if attributes.iter().any(|a| a == "pickup") {
            return Ok(Ok(vec![FulfillmentDetail {
                kind: "PICKUP".into(),
                ..FulfillmentDetail::default()
            }]));
        }
        if !attributes.iter().any(|a| a == "delivery") {
            return Ok(Ok(Vec::new()));
        }
        let a = match shipping_address(fr) {
            Ok(a) => a,
            Err(why) => return Ok(Err((true, why))),
        };
        let note = Some(fr.shipping_method.clone()).filter(|m| !m.trim().is_empty());
        if self.opts.dry_run {
            return Ok(Ok(vec![FulfillmentDetail {
                kind: "DISPATCH".into(),
                shipping_address_id: None,
                note,
            }]));
        }
        let same = |x: &CustomerAddress| {
            x.kind == "SHIPPING"
                && x.address_line_1
                    .trim()
                    .eq_ignore_ascii_case(&a.address_line_1)
                && x.address_line_2
                    .as_deref()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case(a.address_line_2.as_deref().unwrap_or(""))
                && x.city.trim().eq_ignore_ascii_case(&a.city)
                && x.postcode.trim().eq_ignore_ascii_case(&a.postcode)
                && x.country_code.trim().eq_ignore_ascii_case(&a.country_code)
        };
        let existing = self.ctx.client.customer_addresses(customer).await?;
        let found = existing.iter().find(|x| same(x)).and_then(|x| x.id_text());
        let id = match found {
            Some(id) => id,
            None => match self.ctx.client.create_customer_address(customer, &a).await {
                Ok(c) => match c.id_text() {
                    Some(id) => id,
                    None => {
                        return Ok(Err((
                            false,
                            "the store created the shipping address but sent no id".into(),
                        )))
                    }
                },
                Err(ApiError::Ambiguous { cause, .. }) => {
                    // Look again rather than create a second address.
                    let again = self.ctx.client.customer_addresses(customer).await?;
                    match again.iter().find(|x| same(x)).and_then(|x| x.id_text()) {
                        Some(id) => id,
                        None => {
                            return Ok(Err((
                                false,
                                format!("creating the shipping address had no clear outcome ({cause})"),
                            )))
                        }
                    }
                }
                Err(ApiError::Rejected { status, detail, .. }) => {
                    return Ok(Err((
                        true,
                        format!(
                            "the store refused the FR's shipping address ({status}: {detail}); fix the address and `lsbridge fr retry {}`",
                            fr.number
                        ),
                    )))
                }
                Err(e) => return Err(e.into()),
            },
        };
        Ok(Ok(vec![FulfillmentDetail {
            kind: "DISPATCH".into(),
            shipping_address_id: Some(id),
            note,
        }]))
    }
}
