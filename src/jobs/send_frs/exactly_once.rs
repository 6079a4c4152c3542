//! The exactly-once protocol of one FR: the attempt recorded before the POST, an unclear
//! outcome reconciled with `GET /sales/{id}` (only the FR's own sale is believed), the
//! sale recorded, and acknowledgements read back.

use super::*;

impl Job<'_> {
    pub(super) async fn send_one(&mut self, fr: Fr) -> Result<Done, JobError> {
        let mut fr = fr;
        // A sale id and attempts mean an earlier send may have reached the store: ask first.
        if let (Some(id), true) = (fr.sale_id.clone(), fr.attempts > 0) {
            if let Some(done) = self.reconcile(&fr, &id).await? {
                return Ok(done);
            }
        }
        let lines = match self.resolve(&fr).await? {
            Ok(l) => l,
            Err(why) => {
                self.to_status(&fr, FrStatus::AdditionalInfoRequired, &why)?;
                return Ok(Done::InfoRequired(why));
            }
        };
        let (lines, short) = self.stock_check(&fr, lines);
        if !short.is_empty() {
            let why = short
                .iter()
                .map(|(_, r)| r.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            if !self.source.cancel_unacknowledged_items {
                self.event(
                    &fr,
                    kind::NOTE,
                    &format!("held: {why} (Allow Backorders is off)"),
                )?;
                return Ok(Done::Held(why));
            }
            fr = self.update(&fr, kind::NOTE, |f| {
                for (i, r) in &short {
                    if let Some(item) = f.items.get_mut(*i) {
                        item.line = LineState::Canceled {
                            reason: format!("{r} (Allow Backorders is off)"),
                        };
                    }
                }
                Ok(format!("canceled lines without stock: {why}"))
            })?;
            if lines.is_empty() {
                let reason = format!("every line was canceled: {why}");
                self.to_status(&fr, FrStatus::Canceled, &reason)?;
                return Ok(Done::Canceled(reason));
            }
        }
        let mut mapped = Vec::new();
        let mut errors = Vec::new();
        for l in &lines {
            let mut m = MappedRecord::new();
            self.template
                .apply_into(&fr_source_record(&fr, &fr.items[l.index]), &mut m);
            errors.extend(
                m.errors()
                    .iter()
                    .map(|e| format!("SKU {}: {e}", fr.items[l.index].sku)),
            );
            mapped.push(m);
        }
        if let Some(head) = mapped.first() {
            for (target, from) in REQUIRED_CUSTOMER {
                if text_of(head, target).is_empty() {
                    errors.push(format!(
                        "{target} is empty: map it (usually from the {from}) or fill it in the FR"
                    ));
                }
            }
        }
        if !errors.is_empty() {
            let why = errors.join("; ");
            self.to_status(&fr, FrStatus::AdditionalInfoRequired, &why)?;
            return Ok(Done::InfoRequired(why));
        }
        let id = fr
            .sale_id
            .clone()
            .unwrap_or_else(|| sale_id(&self.source.name, &fr.number));
        self.load_store_money().await?;
        // Check the body (and its money) before creating a customer, so a bad FR leaves
        // nothing behind.
        let draft = match self.build(&fr, &lines, &mapped, None, &id, Vec::new()) {
            Ok(b) => b,
            Err(why) => {
                self.to_status(&fr, FrStatus::AdditionalInfoRequired, &why)?;
                return Ok(Done::InfoRequired(why));
            }
        };
        if draft.attributes.iter().any(|a| a == "delivery") {
            if let Err(why) = shipping_address(&fr) {
                self.to_status(&fr, FrStatus::AdditionalInfoRequired, &why)?;
                return Ok(Done::InfoRequired(why));
            }
        }
        let customer = match self.customer(&mapped[0]).await? {
            Ok(c) => c,
            Err(why) => {
                self.event(&fr, kind::NOTE, &why)?;
                return Ok(Done::Unresolved(why));
            }
        };
        let dispatch = match self.dispatch(&fr, &draft.attributes, &customer).await? {
            Ok(d) => d,
            Err((true, why)) => {
                self.to_status(&fr, FrStatus::AdditionalInfoRequired, &why)?;
                return Ok(Done::InfoRequired(why));
            }
            Err((false, why)) => {
                self.event(&fr, kind::NOTE, &why)?;
                return Ok(Done::Unresolved(why));
            }
        };
        let body = match self.build(&fr, &lines, &mapped, Some(customer), &id, dispatch) {
            Ok(b) => b,
            Err(why) => {
                self.to_status(&fr, FrStatus::AdditionalInfoRequired, &why)?;
                return Ok(Done::InfoRequired(why));
            }
        };
        if self.opts.dry_run {
            if self.previews.len() < self.opts.preview_limit {
                self.previews.push(Preview {
                    fr: fr.number.clone(),
                    sale: Some(body),
                    note: "would be sent".into(),
                });
            }
            return Ok(Done::Previewed);
        }
        let sent_lines: Vec<usize> = lines.iter().map(|l| l.index).collect();
        for _ in 0..MAX_SENDS_PER_RUN {
            // The id and the attempt are durable before the request leaves.
            let sid = id.clone();
            fr = self.update(&fr, kind::ATTEMPT, |f| {
                f.sale_id = Some(sid.clone());
                f.attempts += 1;
                Ok(format!(
                    "attempt {}: POST /sales with sale id {sid}",
                    f.attempts
                ))
            })?;
            self.ctx.store.flush_async().await?;
            match self.ctx.client.create_sale(&body).await {
                Ok(sale) => {
                    if let Some(why) = store_totals_differ(&sale, &body) {
                        return self
                            .sent_wrong(&fr, &sent_lines, sale.invoice_number, why)
                            .await;
                    }
                    return self
                        .processed(&fr, &sent_lines, sale.invoice_number, false)
                        .await;
                }
                Err(ApiError::Ambiguous { cause, .. }) => {
                    self.event(
                        &fr,
                        kind::RECONCILE,
                        &format!("outcome unknown ({cause}); checking GET /sales/{id}"),
                    )?;
                    if let Some(done) = self.reconcile(&fr, &id).await? {
                        return Ok(done);
                    }
                    self.event(
                        &fr,
                        kind::RETRY,
                        "the sale is not in the store; sending again with the same id",
                    )?;
                }
                Err(ApiError::Rejected {
                    status: 409,
                    detail,
                    ..
                }) => {
                    self.event(
                        &fr,
                        kind::RECONCILE,
                        &format!("409 ({detail}): the id exists; checking GET /sales/{id}"),
                    )?;
                    if let Some(done) = self.reconcile(&fr, &id).await? {
                        return Ok(done);
                    }
                    let why = format!("the store refused sale id {id} as taken, yet has no such sale; check the store");
                    self.to_status(&fr, FrStatus::Failed, &why)?;
                    return Ok(Done::Failed(why));
                }
                Err(ApiError::Rejected { status, detail, .. }) => {
                    let why = format!(
                        "the store refused the sale ({status}: {detail}); confirm the Register ID, User ID and Tax ID are valid (`lsbridge source options {}`) and the template's fields, then `lsbridge fr retry {}`",
                        self.source.name, fr.number
                    );
                    self.to_status(&fr, FrStatus::Failed, &why)?;
                    return Ok(Done::Failed(why));
                }
                Err(e @ (ApiError::Unauthorized { .. } | ApiError::Forbidden { .. })) => {
                    return Err(e.into());
                }
                Err(e) => {
                    // Not sent at all (connection refused, …): safe to try again next run.
                    let why = format!("not sent: {e}");
                    self.event(&fr, kind::NOTE, &why)?;
                    return Ok(Done::Unresolved(why));
                }
            }
        }
        let why = format!("outcome still unknown after {MAX_SENDS_PER_RUN} sends; the next run checks the store first");
        self.event(&fr, kind::NOTE, &why)?;
        Ok(Done::Unresolved(why))
    }

    /// `GET /sales/{id}`: if this FR's sale is there, the FR is Processed (nothing is sent
    /// again). The answer must be the sale asked for (the client checks its id) and carry
    /// the FR's reference as `source.id`; any other answer leaves it unclear whether the
    /// sale exists, so the FR stays Processing, neither Processed nor sent again, and the
    /// next run asks again.
    pub(super) async fn reconcile(&mut self, fr: &Fr, id: &str) -> Result<Option<Done>, JobError> {
        self.log.info(format!(
            "FR {}: reconciling: asking the store for sale {id} before sending again",
            fr.number
        ));
        match self.ctx.client.sale(id).await {
            Ok(Some(sale)) => match self.sale_is_for(fr, &sale) {
                Ok(()) => {
                    let lines: Vec<usize> = fr.pending_items().map(|(i, _)| i).collect();
                    self.processed(fr, &lines, sale.invoice_number, true)
                        .await
                        .map(Some)
                }
                Err(why) => {
                    let why = format!(
                        "GET /sales/{id} answered with {why}: unclear whether this FR's sale exists; it stays Processing and the next run checks again before sending"
                    );
                    self.event(fr, kind::RECONCILE, &why)?;
                    self.log.warn(format!("FR {}: {why}", fr.number));
                    Ok(Some(Done::Unresolved(why)))
                }
            },
            Ok(None) => Ok(None),
            Err(e @ (ApiError::Unauthorized { .. } | ApiError::Forbidden { .. })) => Err(e.into()),
            Err(e) => {
                let why = format!(
                    "cannot check sale {id} ({e}); the next run checks again before sending"
                );
                self.event(fr, kind::RECONCILE, &why)?;
                self.log.warn(format!("FR {}: {why}", fr.number));
                Ok(Some(Done::Unresolved(why)))
            }
        }
    }

    /// Whether `sale` (already known to carry the FR's sale id) was made from this FR: its
    /// `source.id` is the reference the send sets. `Err` says what the sale is instead.
    pub(super) fn sale_is_for(&self, fr: &Fr, sale: &Sale) -> Result<(), String> {
        let refs = self.sale_refs(fr);
        let expected = refs
            .iter()
            .map(|r| format!("{r:?}"))
            .collect::<Vec<_>>()
            .join(" or ");
        match sale.source_id().map(str::trim) {
            Some(r) if refs.iter().any(|x| x.eq_ignore_ascii_case(r)) => Ok(()),
            Some(r) => Err(format!(
                "a sale whose source.id is {:?}, not this FR's {expected}",
                r.chars().take(80).collect::<String>()
            )),
            None => Err(format!(
                "a sale with no source.id (this FR's is {expected})"
            )),
        }
    }

    /// What a sale made from `fr` carries as `source.id`: the template's Register Sale:
    /// Source Id, else the FR number (as [`Job::build`] sets it). Every line is mapped,
    /// because the sale's head is whichever line was sent first.
    pub(super) fn sale_refs(&self, fr: &Fr) -> Vec<String> {
        let mut refs: Vec<String> = Vec::new();
        let mut m = MappedRecord::new();
        for item in &fr.items {
            self.template
                .apply_into(&fr_source_record(fr, item), &mut m);
            let r = text_of(&m, "Register Sale: Source Id");
            let r = if r.is_empty() {
                fr.number.trim().to_string()
            } else {
                r
            };
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
        if refs.is_empty() {
            refs.push(fr.number.trim().to_string());
        }
        refs
    }

    /// The store made the sale but recorded other money than was sent: Failed, naming both
    /// figures, never Processed. `fr retry` after the sale is corrected in the store finds it.
    pub(super) async fn sent_wrong(
        &mut self,
        fr: &Fr,
        lines: &[usize],
        invoice: Option<String>,
        why: String,
    ) -> Result<Done, JobError> {
        self.record_sale(fr, lines, invoice, FrStatus::Failed, &why)
            .await?;
        Ok(Done::Failed(why))
    }

    /// A sale exists for `fr`: its `lines` are marked sent, the invoice kept, and the FR moved
    /// to `to` with `reason`, in one transaction, flushed before the run goes on.
    pub(super) async fn record_sale(
        &mut self,
        fr: &Fr,
        lines: &[usize],
        invoice: Option<String>,
        to: FrStatus,
        reason: &str,
    ) -> Result<(), JobError> {
        let now = self.now();
        self.frs
            .update_with_event(
                fr.source,
                &fr.number,
                kind::STATUS,
                Some(self.run),
                now,
                |f| {
                    for i in lines {
                        if let Some(item) = f.items.get_mut(*i) {
                            item.line = LineState::Sent;
                        }
                    }
                    if invoice.is_some() {
                        f.invoice_number = invoice.clone();
                    }
                    crate::frs::status::transition(f, to, reason, now)?;
                    Ok(reason.to_string())
                },
            )
            .map_err(fr_err)?;
        self.ctx.store.flush_async().await?;
        Ok(())
    }

    pub(super) async fn processed(
        &mut self,
        fr: &Fr,
        lines: &[usize],
        invoice: Option<String>,
        reconciled: bool,
    ) -> Result<Done, JobError> {
        let reason = match (&invoice, reconciled) {
            (Some(i), false) => format!(
                "sent: sale {} invoice {i}",
                fr.sale_id.as_deref().unwrap_or("")
            ),
            (None, false) => format!("sent: sale {}", fr.sale_id.as_deref().unwrap_or("")),
            (_, true) => format!(
                "found sale {} in the store: already sent",
                fr.sale_id.as_deref().unwrap_or("")
            ),
        };
        self.record_sale(fr, lines, invoice, FrStatus::Processed, &reason)
            .await?;
        Ok(Done::Sent { reconciled })
    }

    /// Processed FRs whose sale the store has closed become Acknowledged. Only an answer
    /// about the FR's own sale counts; anything else is logged and the FR is asked about
    /// again next run.
    pub(super) async fn acknowledge(&mut self) -> Result<u64, JobError> {
        let mut n = 0;
        let done = self
            .frs
            .list(Some(self.source.id), Some(FrStatus::Processed))?;
        for fr in done.into_iter().take(ACK_CHECKS_PER_RUN) {
            let Some(id) = fr.sale_id.clone() else {
                continue;
            };
            match self.ctx.client.sale(&id).await {
                Ok(Some(sale)) => match self.sale_is_for(&fr, &sale) {
                    Ok(()) if sale.state.as_deref() == Some("closed") => {
                        self.to_status(&fr, FrStatus::Acknowledged, "the store closed the sale")?;
                        n += 1;
                    }
                    Ok(()) => {}
                    Err(why) => self.log.warn(format!(
                        "FR {}: not acknowledged: GET /sales/{id} answered with {why}",
                        fr.number
                    )),
                },
                Ok(None) => self.log.warn(format!(
                    "FR {}: sale {id} is no longer in the store (404); check it in Lightspeed",
                    fr.number
                )),
                Err(e @ ApiError::Unclear { .. }) => self
                    .log
                    .warn(format!("FR {}: not acknowledged: {e}", fr.number)),
                Err(e) => {
                    // The store is not answering; the rest would fail the same way.
                    self.log
                        .warn(format!("acknowledgements not checked this run: {e}"));
                    break;
                }
            }
        }
        Ok(n)
    }
}
