//! The TOML examples in docs/tenant.md and the crate README are valid tenants (appended to the
//! local tenant when they are fragments).

use actsim_tenant::{Tenant, TenantConfig};

const LOCAL: &str = include_str!("../../../fixtures/tenants/local.toml");

fn toml_blocks(doc: &str) -> Vec<&str> {
    doc.split("```toml\n")
        .skip(1)
        .map(|rest| rest.split_once("```").expect("closed block").0)
        .collect()
}

fn check(doc: &str, name: &str) -> usize {
    let blocks = toml_blocks(doc);
    for (i, block) in blocks.iter().enumerate() {
        let src = if block.contains("domain = ") {
            block.to_string()
        } else {
            format!("{LOCAL}\n{block}")
        };
        let config = TenantConfig::from_toml_str(&src)
            .unwrap_or_else(|e| panic!("{name} block {i}: {e}\n{src}"));
        Tenant::new(config).unwrap_or_else(|e| panic!("{name} block {i}: {e}"));
    }
    blocks.len()
}

#[test]
fn documented_tenant_examples_are_valid() {
    assert_eq!(
        check(include_str!("../../../docs/tenant.md"), "docs/tenant.md"),
        2
    );
    assert!(check(include_str!("../README.md"), "README.md") >= 2);
}
