use actsim_js::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;
fn main() {
    let event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("fixtures/events/post-login.json").unwrap())
            .unwrap();
    let code = match std::env::var("CODE") {
        Ok(c) => c,
        Err(_) => std::fs::read_to_string("bench/actions/cache-hit.js").unwrap(),
    };
    let clock = Clock::new(1_767_258_000_000);
    let mut inst = Instance::new(
        ActionSource::new("bench/actions/cache-hit.js", code),
        clock.clone(),
        InstanceConfig::default(),
    )
    .unwrap();
    let cache: SharedCache = Rc::new(RefCell::new(actsim_cache::CacheStore::new(
        Default::default(),
    )));
    // token with exp far in the future
    let payload = base64url(
        r#"{"iss":"https://dev-actsim.eu.auth0.com/","sub":"abcdefghijklmnopqrstuvwxyz012345@clients","aud":"https://dev-actsim.eu.auth0.com/api/v2/","iat":1767258000,"exp":4102444800,"scope":"read:users update:users read:roles","gty":"client-credentials","azp":"abcdefghijklmnopqrstuvwxyz012345"}"#,
    );
    let tok = format!(
        "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImFjdHNpbS1kZXYta2V5LTEifQ.{payload}.{}",
        "A".repeat(342)
    );
    cache
        .borrow_mut()
        .set(
            "management-api-token",
            &tok,
            &actsim_cache::SetOptions::default(),
            clock.now_ms(),
        )
        .unwrap();
    let mut secrets = std::collections::BTreeMap::new();
    secrets.insert("domain".to_string(), "x.auth0.com".to_string());
    secrets.insert("clientID".to_string(), "abc".to_string());
    secrets.insert("clientSecret".to_string(), "s".to_string());
    let prepared: PreparedEvent = if std::env::var("EMPTY").is_ok() {
        serde_json::json!({}).into()
    } else {
        event.clone().into()
    };
    let n: usize = std::env::var("N")
        .map(|v| v.parse().unwrap())
        .unwrap_or(20000);
    for round in 0..std::env::var("ROUNDS")
        .map(|v| v.parse().unwrap())
        .unwrap_or(3)
    {
        let t = Instant::now();
        for _ in 0..n {
            let spec = ExecutionSpec {
                trigger: Trigger::PostLogin,
                phase: Phase::Execute,
                event: prepared.clone(),
                secrets: secrets.clone(),
                cache: cache.clone(),
            };
            inst.start(spec).unwrap();
            let f = inst.take_finished();
            assert_eq!(f.len(), 1, "{:?}", f);
            if round == 0 && f[0].failed() {
                panic!("{:?}", f[0]);
            }
        }
        let el = t.elapsed();
        println!("per execution: {:.2} us", el.as_secs_f64() * 1e6 / n as f64);
    }
    let t = Instant::now();
    for _ in 0..std::env::var("INST")
        .map(|v| v.parse().unwrap())
        .unwrap_or(200)
    {
        let i = Instance::new(
            ActionSource::new(
                "bench/actions/cache-hit.js",
                "exports.onExecutePostLogin = async () => {};",
            ),
            clock.clone(),
            InstanceConfig::default(),
        )
        .unwrap();
        drop(i);
    }
    println!(
        "instance new+drop: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / 200.0
    );
}
fn base64url(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let b = s.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..(c.len() + 1) {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}
