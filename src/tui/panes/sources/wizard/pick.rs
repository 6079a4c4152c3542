//! Pick lists of the wizard: the Send FRs ids, the shipping product and the quantity
//! outlet, named from the store's options read live through the source's connection.

use super::*;

impl Wizard {
    /// The field's label, for a pick list's title.
    pub(super) fn label(id: W) -> &'static str {
        match id {
            W::Register => text::REGISTER,
            W::User => text::USER,
            W::Tax => text::TAX,
            W::Payment => text::PAYMENT,
            W::Shipping => text::SHIPPING,
            _ => text::OUTLET,
        }
    }

    /// The store's values for a field with a list, named.
    pub(super) fn items(id: W, o: &StoreOptions) -> Option<Vec<PickItem>> {
        // The id last, so the list answers "which id is that" too.
        let item = |value: &str, label: &str, detail: String| {
            let detail = if detail.is_empty() {
                value.to_string()
            } else {
                format!("{detail}  {value}")
            };
            PickItem::new(value, label, detail)
        };
        Some(match id {
            W::Register => o
                .registers
                .iter()
                .map(|r| {
                    let outlet = r.outlet_name.as_deref().unwrap_or(&r.outlet_id);
                    item(&r.id, &r.name, format!("outlet {outlet}"))
                })
                .collect(),
            W::User => o
                .users
                .iter()
                .map(|u| {
                    item(
                        &u.id,
                        &u.name,
                        format!("{}, {}", u.username, u.account_type),
                    )
                })
                .collect(),
            W::Tax => o
                .taxes
                .iter()
                .map(|t| {
                    let rate = format!("{:.3}", t.rate * 100.0);
                    let rate = rate.trim_end_matches('0').trim_end_matches('.');
                    let default = if t.is_default {
                        format!(", {}", text::DEFAULT_TAX)
                    } else {
                        String::new()
                    };
                    item(&t.id, &t.name, format!("{rate}%{default}"))
                })
                .collect(),
            W::Payment => o
                .payment_types
                .iter()
                .map(|p| PickItem {
                    refused: p.disabled.then(|| text::DISABLED.to_string()),
                    ..item(&p.id, &p.name, String::new())
                })
                .collect(),
            W::Shipping => o
                .shipping_products
                .iter()
                .map(|p| item(&p.id, &p.name, format!("SKU {}", p.sku)))
                .collect(),
            W::POutlet => o
                .outlets
                .iter()
                .map(|x| item(&x.id, &x.name, String::new()))
                .collect(),
            _ => return None,
        })
    }

    /// Whether a pick list is open (its keys come first).
    pub fn picking(&self) -> Option<crate::tui::keymap::Context> {
        self.picker.as_ref().map(|(_, p)| p.context())
    }

    /// Enter on the focused field: opens its pick list when it has one.
    pub fn pick(&mut self) -> PickNeed {
        let Some(id) = self.form.focused() else {
            return PickNeed::NotAList;
        };
        if Self::items(id, &StoreOptions::default()).is_none() {
            return PickNeed::NotAList;
        }
        let Some(conn) = self
            .form
            .selected_label(W::Connection)
            .filter(|c| *c != text::NONE)
            .map(str::to_string)
        else {
            self.form.set_error(id, text::PICK_NO_CONNECTION);
            return PickNeed::NoConnection;
        };
        match &self.store_options {
            Some((c, o)) if *c == conn => {
                let items = Self::items(id, o).unwrap_or_default();
                let current = self.form.text(id);
                let mut list = PickList::new(
                    text::pick_title(Self::label(id), &conn),
                    items,
                    Some(&current),
                );
                list.width = 100;
                self.picker = Some((id, list));
                PickNeed::Opened
            }
            _ => {
                self.loading = Some(id);
                self.form.error = None;
                PickNeed::Fetch(conn)
            }
        }
    }

    /// The store's lists arrived: open the pick list of the field that asked.
    pub fn set_store_options(&mut self, conn: String, o: StoreOptions) {
        self.store_options = Some((conn, o));
        if let Some(id) = self.loading.take() {
            if self.form.focused() == Some(id) {
                self.pick();
            }
        }
    }

    /// The lists could not be read: said at the field.
    pub fn store_options_failed(&mut self, msg: String) {
        if let Some(id) = self.loading.take() {
            self.form.set_error(id, msg);
        } else {
            self.form.error = Some(msg);
        }
    }

    /// A command while the pick list is open.
    pub fn pick_command(&mut self, cmd: crate::tui::command::Command) {
        use crate::tui::command::Command;
        let Some((id, p)) = &mut self.picker else {
            return;
        };
        let id = *id;
        if p.command(cmd) {
            return;
        }
        match cmd {
            Command::Select => {
                let Some(item) = p.chosen() else { return };
                if let Some(why) = &item.refused {
                    let msg = format!("{}: {why}", Self::label(id));
                    self.form.set_error(id, msg);
                    return;
                }
                let value = item.key.clone();
                self.picker = None;
                self.form.set_text(id, &value);
                if id == W::POutlet {
                    // Picking an outlet means quantities from that one outlet.
                    self.form.set_selected(W::PQtyFrom, 1);
                }
            }
            Command::Back | Command::Quit => self.picker = None,
            _ => {}
        }
    }

    /// Typing into the pick list's filter.
    pub fn pick_key(&mut self, k: KeyEvent) {
        if let Some((_, p)) = &mut self.picker {
            p.key(k);
        }
    }
}
