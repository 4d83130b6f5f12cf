//! Tenant configuration: TOML parsing with spans, the bundled local tenant, validation.

use actsim_tenant::{ApiConfig, ClientGrant, Tenant, TenantConfig, TenantError};

const LOCAL_TOML: &str = include_str!("../../../fixtures/tenants/local.toml");
const README: &str = include_str!("../README.md");

/// The TOML block that follows the `<!-- local-tenant.toml -->` marker in the README.
fn readme_local_tenant() -> &'static str {
    let after = README
        .split_once("<!-- local-tenant.toml -->")
        .expect("README has the local-tenant marker")
        .1;
    let body = after
        .split_once("```toml\n")
        .expect("a toml block follows the marker")
        .1;
    body.split_once("```").expect("the block is closed").0
}

#[test]
fn local_tenant_toml_file_and_readme_equal_local_default() {
    assert_eq!(
        TenantConfig::from_toml_str(LOCAL_TOML).unwrap(),
        TenantConfig::local_default()
    );
    assert_eq!(
        TenantConfig::from_toml_str(readme_local_tenant()).unwrap(),
        TenantConfig::local_default()
    );
    assert_eq!(
        readme_local_tenant(),
        LOCAL_TOML,
        "README block and fixtures/tenants/local.toml agree"
    );
}

#[test]
fn local_default_contents() {
    let c = TenantConfig::local_default();
    assert_eq!(c.domain, "tenant.actsim.test");
    assert_eq!(
        c.management_audience(),
        "https://tenant.actsim.test/api/v2/"
    );
    assert_eq!(c.token_lifetime_s, 86_400);
    assert_eq!(c.clients.len(), 1);
    assert_eq!(c.clients[0].client_id, "actsim-local-m2m");
    assert_eq!(c.clients[0].client_secret, "local-secret-change-me");
    assert_eq!(c.clients[0].name, "Local M2M");
    assert_eq!(
        c.clients[0].grants,
        vec![ClientGrant {
            audience: "https://tenant.actsim.test/api/v2/".to_string(),
            scopes: vec![
                "read:users".into(),
                "update:users".into(),
                "read:roles".into()
            ],
        }]
    );
    assert_eq!(c.users[0]["user_id"], "auth0|5f7c8ec7c33c6c004bbafe82");
    assert_eq!(c.users[0]["email_verified"], true);
    let t = Tenant::new(c.clone()).unwrap();
    assert_eq!(t.config(), &c);
    assert_eq!(
        t.user("auth0|5f7c8ec7c33c6c004bbafe82").unwrap()["name"],
        "Jane Smith"
    );
    assert!(t.user("auth0|nobody").is_none());
}

#[test]
fn defaults_apply_when_fields_are_omitted() {
    let c = TenantConfig::from_toml_str(
        "domain = \"d.test\"\n[[clients]]\nclient_id = \"c\"\nclient_secret = \"s\"\n",
    )
    .unwrap();
    assert_eq!(c.token_lifetime_s, 86_400);
    assert!(c.apis.is_empty() && c.users.is_empty());
    assert_eq!(c.clients[0].name, "");
    assert!(c.clients[0].grants.is_empty());
}

#[test]
fn parse_errors_carry_a_span() {
    let src = "domain = \"d.test\"\nclients = []\ncolour = \"blue\"\n";
    let err = TenantConfig::from_toml_str(src).unwrap_err();
    assert!(err.message.contains("colour"), "{}", err.message);
    let span = err.span.clone().expect("unknown field has a span");
    assert_eq!(&src[span], "colour");
    assert_eq!(err.line_col(src), Some((3, 1)));

    let src = "domain = \"d.test\"\nclients = [\n  { client_id = 5, client_secret = \"s\" },\n]\n";
    let err = TenantConfig::from_toml_str(src).unwrap_err();
    let (line, _) = err.line_col(src).expect("type error has a position");
    assert_eq!(line, 3, "{err}");

    let err = TenantConfig::from_toml_str("domain = ").unwrap_err();
    assert!(err.span.is_some());
    let err = TenantConfig::from_toml_str("clients = []").unwrap_err();
    assert!(err.message.contains("domain"), "{}", err.message);
}

#[test]
fn validation_errors() {
    let base = TenantConfig::local_default();
    let check = |f: &dyn Fn(&mut TenantConfig), expected: TenantError| {
        let mut c = base.clone();
        f(&mut c);
        assert_eq!(Tenant::new(c).unwrap_err(), expected);
    };
    check(&|c| c.domain.clear(), TenantError::EmptyDomain);
    check(
        &|c| c.domain = "https://x.test".into(),
        TenantError::InvalidDomain("https://x.test".into()),
    );
    check(
        &|c| c.clients.push(c.clients[0].clone()),
        TenantError::DuplicateClient("actsim-local-m2m".into()),
    );
    check(
        &|c| c.users.push(c.users[0].clone()),
        TenantError::DuplicateUser("auth0|5f7c8ec7c33c6c004bbafe82".into()),
    );
    check(
        &|c| c.users.push(serde_json::json!({"email": "x@y"})),
        TenantError::InvalidUser { index: 1 },
    );
    check(
        &|c| c.clients[0].grants[0].audience = "https://nope/".into(),
        TenantError::UnknownGrantAudience {
            client_id: "actsim-local-m2m".into(),
            audience: "https://nope/".into(),
        },
    );
    check(
        &|c| c.token_lifetime_s = 0,
        TenantError::InvalidLifetime {
            what: "tenant".into(),
            seconds: 0,
        },
    );
    check(
        &|c| {
            c.apis.push(ApiConfig {
                identifier: "a".into(),
                token_lifetime_s: Some(2_592_001),
            })
        },
        TenantError::InvalidLifetime {
            what: "a".into(),
            seconds: 2_592_001,
        },
    );
    check(
        &|c| {
            c.apis.push(ApiConfig {
                identifier: "a".into(),
                token_lifetime_s: None,
            });
            c.apis.push(ApiConfig {
                identifier: "a".into(),
                token_lifetime_s: None,
            });
        },
        TenantError::DuplicateApi("a".into()),
    );
    // The Management API may be listed once to set its lifetime.
    let mut c = base.clone();
    c.apis.push(ApiConfig {
        identifier: c.management_audience(),
        token_lifetime_s: Some(60),
    });
    assert_eq!(c.lifetime_for(&c.management_audience()), 60);
    Tenant::new(c).unwrap();
}
