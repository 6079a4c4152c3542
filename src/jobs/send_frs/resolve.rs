//! FR lines to store products: by SKU from the pool or the store (a SKU several live
//! products answer to is named, never guessed), and the stock check when backorders are off.

use super::*;

/// An FR line's SKU that several store products answer to, with the products named.
pub(super) fn several_products(sku: &str, products: &[&Product]) -> String {
    const NAMED: usize = 5;
    let mut named: Vec<String> = products
        .iter()
        .take(NAMED)
        .map(|p| {
            // Names and SKUs come from the store: quoted short.
            let short = |s: &str| s.trim().chars().take(60).collect::<String>();
            let how = if p.sku.trim().eq_ignore_ascii_case(sku.trim()) {
                format!("SKU {}", short(&p.sku))
            } else {
                format!("SKU {}, by product code", short(&p.sku))
            };
            format!("{:?} ({how}, id {})", short(&p.name), short(&p.id))
        })
        .collect();
    if products.len() > NAMED {
        named.push(format!("and {} more", products.len() - NAMED));
    }
    format!(
        "SKU {sku} matches {} products in the store: {}; make it name one product in Lightspeed (its SKU or product codes), then `lsbridge fr retry`",
        products.len(),
        named.join(", ")
    )
}

impl Job<'_> {
    /// SKU → product id, from the pool or else the store. Unknown and inactive SKUs are named,
    /// and so is a SKU that several live products answer to (by SKU or product code): which
    /// one was meant is for a person to decide, so the FR needs more information.
    pub(super) async fn resolve(&self, fr: &Fr) -> Result<Result<Vec<Line>, String>, JobError> {
        let mut lines = Vec::new();
        let mut problems = Vec::new();
        for (index, item) in fr.pending_items() {
            match self.pool.get(self.source.id, item.sku.trim())? {
                Some(p) if p.archived => problems.push(format!(
                    "SKU {} is archived in the pool (gone from the store's feed)",
                    item.sku
                )),
                Some(p) if !p.product_id.is_empty() => lines.push(Line {
                    index,
                    product_id: p.product_id.clone(),
                    stock: p.quantity(),
                }),
                _ => {
                    // The client keeps only products this SKU names (by SKU or product
                    // code); whatever else the store answered with is never a candidate.
                    let found = self.ctx.client.products_by_sku(item.sku.trim()).await?;
                    let live: Vec<_> = found.iter().filter(|p| !p.is_deleted()).collect();
                    match live.as_slice() {
                        [] => problems
                            .push(format!("SKU {} is not in the pool or the store", item.sku)),
                        [p] if p.active => {
                            let stock = if p.has_inventory {
                                let recs = self.ctx.client.inventory_for_product(&p.id).await?;
                                Some(recs.iter().map(|r| r.current_inventory_level).sum())
                            } else {
                                None
                            };
                            lines.push(Line {
                                index,
                                product_id: p.id.clone(),
                                stock,
                            })
                        }
                        [_] => problems.push(format!("SKU {} is inactive in the store", item.sku)),
                        several => problems.push(several_products(&item.sku, several)),
                    }
                }
            }
        }
        Ok(if problems.is_empty() {
            Ok(lines)
        } else {
            Err(problems.join("; "))
        })
    }

    /// Stock check when backorders are off: returns the lines to send, or why the FR waits.
    pub(super) fn stock_check(
        &self,
        fr: &Fr,
        lines: Vec<Line>,
    ) -> (Vec<Line>, Vec<(usize, String)>) {
        if self.source.allow_backorders {
            return (lines, Vec::new());
        }
        let mut ok = Vec::new();
        let mut short = Vec::new();
        for l in lines {
            let item: &FrItem = &fr.items[l.index];
            match l.stock {
                Some(s) if s < item.quantity => short.push((
                    l.index,
                    format!(
                        "SKU {}: {} ordered, {} in stock at the source",
                        item.sku, item.quantity, s
                    ),
                )),
                _ => ok.push(l),
            }
        }
        (ok, short)
    }
}
