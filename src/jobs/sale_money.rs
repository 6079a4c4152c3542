//! The order's money as a sale body, in whole cents, and the check that the body carries
//! exactly the order's money before it is sent.
//!
//! How each part is represented (spec `openapi-2026-07.json`, see README "Money on sales"):
//! - Items: one `line_items[]` entry per FR line; `pricing.price` is the unit price before
//!   tax and `tax.amount` the unit tax (`LineItemPricing.price`, `LineItemTax.amount`:
//!   "unit"), so a line costs (price + tax) × quantity. That holds in a tax-inclusive store
//!   too (`Retailer.tax_exclusive: false`): the docs' only create-sale example (sales_101)
//!   comes from a GST store and sends price 22, tax 3.3 and a payment of 25.3, and
//!   `SaleTotals.price` is "tax exclusive". A store that read the price as tax-inclusive
//!   would record a different total; the send job compares the store's totals with the
//!   order's after the POST and fails the FR, with both figures, if they differ.
//! - Tax: the order's tax is allocated over the item lines by value in cents, the remainder
//!   to the largest line. Because `tax.amount` is per unit, a line whose tax does not divide
//!   by its (whole) quantity is split into two lines of the same product: q − r units at
//!   ⌊t/q⌋ and r units at ⌊t/q⌋ + 1 cent, which sum to t exactly.
//! - Discount: one line of the retailer's discount product (`Retailer.discount_product_id`:
//!   "the default discount product used for sale-level discounts"), quantity 1, the
//!   discount as a negative price, untaxed: the order's tax already reflects its discount,
//!   and a line states its own tax, where a sale-level adjustment may or may not be taxed by
//!   the store (`SaleAdjustment` has no tax field; the response's adjustments have
//!   `tax_components`). Only a store without a discount product gets a sale-level
//!   `pricing.adjustments[]` DISCOUNT with a FIXED amount instead. Never spread over lines.
//! - Shipping: a line of the shipping product, quantity 1, untaxed (the retailer's
//!   `no_tax_group_id`, "the default 0% rate tax used for tax-free line items").
//! - Payment: one `payments[]` entry for the whole sale total.

use crate::lightspeed::models::{
    AdjustmentAmount, IdRef, LinePricing, LineTax, PaymentTypeRef, SaleAdjustment, SaleLineItem,
    SalePayment, SalePricing, SaleRequest,
};

/// Money in whole cents.
pub type Cents = i64;

/// Amounts beyond this (a hundred billion) are refused rather than risk overflow.
const MAX_CENTS: Cents = 10_000_000_000_000;

/// `x` in cents, rounded half away from zero; `None` when it is not a finite amount in range.
pub fn cents(x: f64) -> Option<Cents> {
    if !x.is_finite() {
        return None;
    }
    let c = (x * 100.0).round();
    (c.abs() <= MAX_CENTS as f64).then_some(c as Cents)
}

/// Cents as the API's number (exact to two places once printed).
pub fn amount(c: Cents) -> f64 {
    c as f64 / 100.0
}

/// Cents as text: `-12.5` → "-12.50".
pub fn show(c: Cents) -> String {
    let sign = if c < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", c.abs() / 100, c.abs() % 100)
}

/// One item line before tax.
#[derive(Debug, Clone)]
pub struct ItemLine {
    pub sku: String,
    pub product_id: String,
    pub quantity: f64,
    pub unit_price: Cents,
    /// A unit tax the template maps per line (Register Sale Item: Tax), if any.
    pub unit_tax: Option<Cents>,
}

/// Where the order's tax comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TaxFrom {
    /// The order's total tax (Adjustments: Total Tax), allocated over the lines.
    Total(Cents),
    /// Each line's mapped unit tax (Register Sale Item: Tax).
    PerLine,
    /// The Tax ID's rate (0.08875 = 8.875 %), applied to each line's value.
    Rate(f64),
}

/// Everything about an order's money the body needs.
#[derive(Debug, Clone)]
pub struct MoneyPlan {
    pub lines: Vec<ItemLine>,
    pub tax: TaxFrom,
    pub tax_id: String,
    /// The tax id of untaxed lines (shipping).
    pub no_tax_id: String,
    pub discount: Cents,
    /// The retailer's discount product; without one the discount is a sale adjustment.
    pub discount_product: Option<String>,
    /// Shipping product and cost; a cost of zero adds no line.
    pub shipping: Option<(String, Cents)>,
    /// Payment type id; `None` sends the sale unpaid.
    pub payment_type: Option<String>,
    pub payment_date: Option<String>,
}

/// The money parts of a sale body.
#[derive(Debug, Clone, Default)]
pub struct MoneyParts {
    pub line_items: Vec<SaleLineItem>,
    pub pricing: Option<SalePricing>,
    pub payments: Vec<SalePayment>,
}

/// A line's value in cents: unit price × quantity.
fn value_of(unit: Cents, quantity: f64) -> Result<Cents, String> {
    cents(amount(unit) * quantity)
        .ok_or_else(|| format!("{} × {quantity} is out of range", show(unit)))
}

/// Splits `total` cents over `weights` in proportion, each share rounded down, the
/// remainder to the largest weight (the first of equals). Shares sum to `total` exactly.
pub fn allocate(total: Cents, weights: &[Cents]) -> Result<Vec<Cents>, String> {
    let sum: i128 = weights.iter().map(|w| *w as i128).sum();
    if total == 0 {
        return Ok(vec![0; weights.len()]);
    }
    if weights.iter().any(|w| *w < 0) || sum <= 0 {
        return Err(format!(
            "{} cannot be spread over lines worth {}",
            show(total),
            show(sum as Cents)
        ));
    }
    let mut shares: Vec<Cents> = weights
        .iter()
        .map(|w| ((total as i128 * *w as i128).div_euclid(sum)) as Cents)
        .collect();
    let rest = total - shares.iter().sum::<Cents>();
    let largest = weights
        .iter()
        .enumerate()
        .fold(0, |best, (i, w)| if *w > weights[best] { i } else { best });
    shares[largest] += rest;
    Ok(shares)
}

/// `(quantity, unit tax)` parts whose tax sums to `line_tax` exactly: one part when the tax
/// divides by the quantity, else two (see the module comment). A fractional quantity is
/// one part with the nearest unit tax; the check before sending refuses it if it is off.
fn split_tax(quantity: f64, line_tax: Cents) -> Vec<(f64, Cents)> {
    let whole = quantity.fract() == 0.0 && (1.0..=1e9).contains(&quantity);
    if !whole {
        let unit = cents(amount(line_tax) / quantity).unwrap_or(0);
        return vec![(quantity, unit)];
    }
    let q = quantity as Cents;
    let unit = line_tax.div_euclid(q);
    let r = line_tax.rem_euclid(q);
    if r == 0 {
        vec![(quantity, unit)]
    } else {
        vec![((q - r) as f64, unit), (r as f64, unit + 1)]
    }
}

fn line(product_id: &str, quantity: f64, price: Cents, tax_id: &str, tax: Cents) -> SaleLineItem {
    SaleLineItem {
        product: IdRef {
            id: product_id.to_string(),
        },
        quantity,
        pricing: LinePricing {
            price: amount(price),
            discount: None,
            cost: None,
        },
        tax: LineTax {
            id: tax_id.to_string(),
            amount: amount(tax),
        },
        status: None,
    }
}

impl MoneyPlan {
    /// The lines, the discount adjustment and the payment. The payment is computed from the
    /// lines and adjustment built here, so it equals the sale's total.
    pub fn build(&self) -> Result<MoneyParts, String> {
        let values: Vec<Cents> = self
            .lines
            .iter()
            .map(|l| value_of(l.unit_price, l.quantity).map_err(|e| format!("SKU {}: {e}", l.sku)))
            .collect::<Result<_, _>>()?;
        let line_tax: Vec<Cents> = match self.tax {
            TaxFrom::Total(t) => {
                if t < 0 {
                    return Err(format!("the order's tax {} is negative", show(t)));
                }
                allocate(t, &values).map_err(|e| format!("the order's tax: {e}"))?
            }
            TaxFrom::PerLine => self
                .lines
                .iter()
                .map(|l| value_of(l.unit_tax.unwrap_or(0), l.quantity))
                .collect::<Result<_, _>>()?,
            TaxFrom::Rate(rate) => values
                .iter()
                .map(|v| cents(amount(*v) * rate).ok_or_else(|| "tax out of range".to_string()))
                .collect::<Result<_, _>>()?,
        };
        let mut line_items = Vec::new();
        for (l, t) in self.lines.iter().zip(&line_tax) {
            let parts = match (self.tax, l.unit_tax) {
                (TaxFrom::PerLine, Some(u)) => vec![(l.quantity, u)],
                _ => split_tax(l.quantity, *t),
            };
            for (q, unit_tax) in parts {
                line_items.push(line(&l.product_id, q, l.unit_price, &self.tax_id, unit_tax));
            }
        }
        if let Some((product, cost)) = &self.shipping {
            if *cost < 0 {
                return Err(format!("the shipping cost {} is negative", show(*cost)));
            }
            if *cost > 0 {
                line_items.push(line(product, 1.0, *cost, &self.no_tax_id, 0));
            }
        }
        if self.discount < 0 {
            return Err(format!("the discount {} is negative", show(self.discount)));
        }
        if self.discount > 0 {
            if let Some(p) = &self.discount_product {
                line_items.push(line(p, 1.0, -self.discount, &self.no_tax_id, 0));
            }
        }
        let pricing = (self.discount > 0 && self.discount_product.is_none()).then(|| SalePricing {
            adjustments: vec![SaleAdjustment {
                kind: "DISCOUNT".into(),
                name: Some("Order discount".into()),
                amount: Some(AdjustmentAmount {
                    kind: "FIXED".into(),
                    value: show(self.discount),
                }),
            }],
        });
        let mut parts = MoneyParts {
            line_items,
            pricing,
            payments: Vec::new(),
        };
        if let Some(pt) = &self.payment_type {
            let total = SaleMoney::of(&parts.line_items, parts.pricing.as_ref(), &[], None)?.total;
            if total > 0 {
                parts.payments.push(SalePayment {
                    amount: amount(total),
                    kind: PaymentTypeRef {
                        config_id: pt.clone(),
                    },
                    date: self.payment_date.clone(),
                });
            }
        }
        Ok(parts)
    }
}

/// A sale's money as the docs define it, read back from a body: what the check compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SaleMoney {
    /// Σ (price − discount) × quantity of the item and shipping lines, before tax.
    pub lines: Cents,
    pub tax: Cents,
    /// Lines of the discount product (as a positive figure) and sale-level DISCOUNT
    /// adjustments.
    pub discount: Cents,
    /// Sale-level NON_CASH_FEE adjustments.
    pub fees: Cents,
    /// lines + tax − discount + fees.
    pub total: Cents,
    pub paid: Cents,
}

impl SaleMoney {
    /// Total, tax and payments of a body (discount lines are counted as lines).
    pub fn of_request(sale: &SaleRequest) -> Result<SaleMoney, String> {
        SaleMoney::of(
            &sale.line_items,
            sale.pricing.as_ref(),
            &sale.payments,
            None,
        )
    }

    pub fn of(
        lines: &[SaleLineItem],
        pricing: Option<&SalePricing>,
        payments: &[SalePayment],
        discount_product: Option<&str>,
    ) -> Result<SaleMoney, String> {
        let mut m = SaleMoney::default();
        for l in lines {
            let unit_price = cents(l.pricing.price).ok_or("a line price is out of range")?;
            let unit_discount = cents(l.pricing.discount.unwrap_or(0.0))
                .ok_or("a line discount is out of range")?;
            let unit_tax = cents(l.tax.amount).ok_or("a line tax is out of range")?;
            let value = value_of(unit_price - unit_discount, l.quantity)?;
            let tax = value_of(unit_tax, l.quantity)?;
            m.tax += tax;
            if discount_product.is_some_and(|d| d == l.product.id) {
                m.discount -= value;
            } else {
                m.lines += value;
            }
        }
        for a in pricing
            .map(|p| p.adjustments.as_slice())
            .unwrap_or_default()
        {
            let Some(amt) = &a.amount else { continue };
            if amt.kind != "FIXED" {
                return Err(format!(
                    "a {} adjustment of type {} cannot be checked",
                    a.kind, amt.kind
                ));
            }
            let v = amt
                .value
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(cents)
                .ok_or_else(|| format!("adjustment value {:?} is not an amount", amt.value))?;
            match a.kind.as_str() {
                "DISCOUNT" => m.discount += v,
                "NON_CASH_FEE" => m.fees += v,
                other => {
                    return Err(format!(
                        "a {other} adjustment is not expected on an FR's sale"
                    ))
                }
            }
        }
        for p in payments {
            m.paid += cents(p.amount).ok_or("a payment is out of range")?;
        }
        m.total = m.lines + m.tax - m.discount + m.fees;
        Ok(m)
    }
}

/// The order's own figures: items − discount + shipping + tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderMoney {
    pub items: Cents,
    pub discount: Cents,
    pub shipping: Cents,
    pub tax: Cents,
    pub paid: bool,
}

impl OrderMoney {
    pub fn total(&self) -> Cents {
        self.items - self.discount + self.shipping + self.tax
    }
}

/// `Err` with both figures when the body does not carry the order's money to the cent:
/// total, tax, discount, and payments (the whole total when paid, nothing when not).
pub fn check(body: &SaleMoney, order: &OrderMoney) -> Result<(), String> {
    let want_paid = if order.paid { order.total() } else { 0 };
    let ok = body.total == order.total()
        && body.tax == order.tax
        && body.discount - body.fees == order.discount
        && body.lines == order.items + order.shipping
        && body.paid == want_paid;
    if ok {
        return Ok(());
    }
    Err(format!(
        "the sale would total {} (lines {}, tax {}, discount {}, paid {}) but the FR totals {} (items {} − discount {} + shipping {} + tax {}, paid {}); not sent",
        show(body.total),
        show(body.lines),
        show(body.tax),
        show(body.discount - body.fees),
        show(body.paid),
        show(order.total()),
        show(order.items),
        show(order.discount),
        show(order.shipping),
        show(order.tax),
        show(want_paid)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_exact_and_the_remainder_goes_to_the_largest_line() {
        assert_eq!(
            allocate(3703, &[34900, 5900, 1598]).unwrap(),
            vec![3049, 515, 139]
        );
        assert_eq!(
            allocate(3703, &[34900, 5900, 1598])
                .unwrap()
                .iter()
                .sum::<i64>(),
            3703
        );
        assert_eq!(allocate(100, &[1, 1, 1]).unwrap(), vec![34, 33, 33]);
        assert_eq!(allocate(0, &[]).unwrap(), Vec::<i64>::new());
        assert!(allocate(5, &[0, 0]).is_err());
    }

    #[test]
    fn unit_tax_that_does_not_divide_splits_the_line() {
        assert_eq!(split_tax(4.0, 568), vec![(4.0, 142)]);
        assert_eq!(split_tax(3.0, 100), vec![(2.0, 33), (1.0, 34)]);
        let parts = split_tax(7.0, 1001);
        assert_eq!(parts.iter().map(|(q, u)| *q as i64 * u).sum::<i64>(), 1001);
    }

    fn plan() -> MoneyPlan {
        MoneyPlan {
            lines: vec![
                ItemLine {
                    sku: "A".into(),
                    product_id: "pa".into(),
                    quantity: 3.0,
                    unit_price: 1299,
                    unit_tax: None,
                },
                ItemLine {
                    sku: "B".into(),
                    product_id: "pb".into(),
                    quantity: 1.0,
                    unit_price: 500,
                    unit_tax: None,
                },
            ],
            tax: TaxFrom::Total(461),
            tax_id: "t".into(),
            no_tax_id: "n".into(),
            discount: 500,
            discount_product: Some("disc".into()),
            shipping: Some(("ship".into(), 750)),
            payment_type: Some("card".into()),
            payment_date: None,
        }
    }

    #[test]
    fn the_body_carries_the_order_to_the_cent() {
        let order = OrderMoney {
            items: 3 * 1299 + 500,
            discount: 500,
            shipping: 750,
            tax: 461,
            paid: true,
        };
        let p = plan().build().unwrap();
        let m =
            SaleMoney::of(&p.line_items, p.pricing.as_ref(), &p.payments, Some("disc")).unwrap();
        check(&m, &order).unwrap();
        assert_eq!(m.paid, order.total());
        // A's share of the tax is 4.09 over 3 units = 3 × 1.36 + 0.01: split 2 × 1.36, 1 × 1.37.
        let a: Vec<(f64, f64)> = p
            .line_items
            .iter()
            .filter(|l| l.product.id == "pa")
            .map(|l| (l.quantity, l.tax.amount))
            .collect();
        assert_eq!(a, vec![(2.0, 1.36), (1.0, 1.37)]);
        let mut m =
            SaleMoney::of(&p.line_items, p.pricing.as_ref(), &p.payments, Some("disc")).unwrap();
        m.tax -= 1;
        m.total -= 1;
        let e = check(&m, &order).unwrap_err();
        assert!(
            e.contains("the sale would total 51.07") && e.contains("the FR totals 51.08"),
            "{e}"
        );
    }

    #[test]
    fn amounts_print_to_the_cent() {
        assert_eq!(show(-1250), "-12.50");
        assert_eq!(show(5), "0.05");
        assert_eq!(cents(0.1 + 0.2), Some(30));
        assert_eq!(cents(f64::NAN), None);
    }
}
