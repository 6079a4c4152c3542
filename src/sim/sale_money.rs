//! What the simulator recorded about a sale's money, in whole cents: each line, each
//! sale-level adjustment, each payment, the totals and the balance. The spec's `Sale` has
//! no balance field, so this is the simulator's own report, read in-process with
//! [`SimHandle::sale_money`](super::SimHandle::sale_money) or over HTTP with
//! `GET /__sim/sales/{id}/money`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SaleMoney {
    pub sale_id: String,
    pub state: String,
    /// `Retailer.tax_exclusive` when the sale was last saved.
    pub tax_exclusive: bool,
    pub lines: Vec<LineMoney>,
    pub adjustments: Vec<AdjustmentMoney>,
    pub payments: Vec<PaymentMoney>,
    /// `totals.price`: the lines' tax-exclusive totals plus every adjustment's effect.
    pub price_cents: i64,
    /// `totals.tax`: the lines' tax totals plus the adjustments' (none unless the
    /// `AdjustmentTax::Proportional` option is on).
    pub tax_cents: i64,
    /// `totals.price_incl_tax` = price + tax: what the customer owes.
    pub total_cents: i64,
    /// Payments that count (none once a sale is voided: the docs say voiding deletes them).
    pub paid_cents: i64,
    /// total − paid; 0 for a voided sale. Negative when overpaid.
    pub balance_cents: i64,
    /// Everything taken off, as a positive figure: DISCOUNT adjustments, the tax-exclusive
    /// total of lines of the retailer's discount product (negated), and line discounts.
    pub discount_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LineMoney {
    /// The line's id in the recorded sale.
    pub id: String,
    pub product_id: String,
    pub quantity: f64,
    /// `pricing.price` as sent (unit).
    pub unit_price: f64,
    /// `pricing.discount` as sent (unit), 0 when absent.
    pub unit_discount: f64,
    /// `tax.amount` as sent (unit).
    pub unit_tax: f64,
    pub tax_id: String,
    /// Tax-exclusive line total (`pricing.total`).
    pub price_cents: i64,
    /// `tax.total`.
    pub tax_cents: i64,
    /// price + tax.
    pub total_cents: i64,
    /// `pricing.discount_total` (discount × quantity).
    pub discount_cents: i64,
    /// The product is the retailer's `discount_product_id`.
    pub is_discount_product: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AdjustmentMoney {
    /// `DISCOUNT`, `NON_CASH_FEE` or `TIP`.
    pub kind: String,
    pub name: Option<String>,
    /// `FIXED` or `PERCENT`.
    pub amount_type: String,
    /// `amount.value` as sent.
    pub value: f64,
    /// The adjustment's own amount in cents (a PERCENT worked out), unsigned as stated.
    #[serde(default)]
    pub amount_cents: i64,
    /// Signed change to the sale's total (`price_incl_tax`): negative for a discount.
    pub effect_cents: i64,
    /// The part of `effect_cents` that is tax (0 unless `AdjustmentTax::Proportional`).
    #[serde(default)]
    pub tax_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PaymentMoney {
    pub id: String,
    /// `type.config_id`: the PaymentType id.
    pub config_id: String,
    /// The payment type's name in the store.
    pub name: String,
    pub amount_cents: i64,
    /// Voiding the sale deleted it.
    pub deleted: bool,
}

impl SaleMoney {
    /// The lines selling `product_id`.
    pub fn lines_of<'a>(&'a self, product_id: &'a str) -> impl Iterator<Item = &'a LineMoney> {
        self.lines
            .iter()
            .filter(move |l| l.product_id == product_id)
    }

    /// Recomputes price, tax, total and balance from the lines, adjustments and payments:
    /// the same figures the sale reports, worked out independently by a test.
    pub fn recomputed(&self) -> (i64, i64, i64, i64) {
        let adj_price: i64 = self
            .adjustments
            .iter()
            .map(|a| a.effect_cents - a.tax_cents)
            .sum();
        let adj_tax: i64 = self.adjustments.iter().map(|a| a.tax_cents).sum();
        let price: i64 = self.lines.iter().map(|l| l.price_cents).sum::<i64>() + adj_price;
        let tax: i64 = self.lines.iter().map(|l| l.tax_cents).sum::<i64>() + adj_tax;
        let paid: i64 = self
            .payments
            .iter()
            .filter(|p| !p.deleted)
            .map(|p| p.amount_cents)
            .sum();
        let balance = if self.state == "voided" {
            0
        } else {
            price + tax - paid
        };
        (price, tax, price + tax, balance)
    }
}
