//! Which scope each endpoint needs (from the spec's `🔒 Requires:` lines), so a 403 can
//! name the missing scope even though the body only says "missing required permissions".

/// The scopes lsbridge needs, in the order `connection test` reports them.
pub const NEEDED: &[(&str, &str)] = &[
    ("retailer:read", "store name and settings"),
    ("outlets:read", "outlets (quantities per outlet)"),
    ("registers:read", "registers (Send FRs)"),
    ("users:read", "users (Send FRs)"),
    ("taxes:read", "taxes (Send FRs)"),
    ("payment_types:read", "payment types (closed sales)"),
    ("products:read", "catalog (Get Inventory)"),
    ("inventory:read", "quantities (Get Inventory)"),
    ("customers:read", "customer lookup (Send FRs)"),
    ("sales:read", "sale reconciliation (Send FRs)"),
    ("customers:write", "customer creation (Send FRs)"),
    ("sales:write", "sale creation (Send FRs)"),
];

/// The scope an endpoint requires. `path` is relative to the versioned root, query-free.
pub fn required(method: &str, path: &str) -> &'static str {
    let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
    let first = seg.first().copied().unwrap_or("");
    let write = !matches!(method, "GET" | "HEAD");
    match (first, write) {
        ("retailer", _) => "retailer:read",
        ("outlets", _) => "outlets:read",
        ("registers", _) => "registers:read",
        ("users" | "user", _) => "users:read",
        ("taxes", false) => "taxes:read",
        ("taxes", true) => "taxes:write",
        ("payment_types", _) => "payment_types:read",
        ("products" | "brands" | "product_categories" | "tags", false) => "products:read",
        ("products" | "brands" | "product_categories" | "tags", true) => "products:write",
        // POST /inventory is a read.
        ("inventory", _) => "inventory:read",
        ("customers", false) => "customers:read",
        ("customers", true) => "customers:write",
        ("sales", false) => "sales:read",
        ("sales", true) => "sales:write",
        ("search", _) => "sales:read or products:read or customers:read",
        _ => "unknown",
    }
}
