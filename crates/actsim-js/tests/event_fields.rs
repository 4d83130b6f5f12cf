//! The `event` object as actions see it. Its top-level fields are parsed lazily (the host passes
//! JSON text and a field is parsed when first read), so these tests check that every way an
//! action can look at or change the event behaves as with an ordinary object, and that nothing
//! one execution does to its event reaches the next execution's.

use crate::common;

use common::*;
use serde_json::json;

/// Run `body` as the handler of a fresh instance with the default post-login event and return
/// the console lines it printed.
fn console_of(body: &str) -> Vec<String> {
    let code = format!("exports.onExecutePostLogin = async (event, api) => {{\n{body}\n}};");
    let (mut inst, clock) = instance(&code);
    let report = run(&mut inst, &clock, post_login());
    expect_completed(&report);
    console_texts(&report)
}

#[test]
fn fields_read_like_plain_data() {
    let lines = console_of(
        r#"
        console.log(event.user.user_id, event.client.name, event.request.query.state);
        console.log(Object.keys(event).join(','));
        console.log(typeof event.user, Array.isArray(event.transaction.requested_scopes));
        console.log(Object.getPrototypeOf(event) === Object.prototype);
        console.log(event.constructor === Object, Object.prototype.toString.call(event), `${event}`);
        console.log(Object.isExtensible(event), event.hasOwnProperty('user'), 'user' in event);
        "#,
    );
    assert_eq!(
        lines,
        [
            "auth0|user-1 App abc",
            // The event's own order, `secrets` last; post-login events always get
            // transaction.metadata (below), which does not change the order.
            "user,client,request,transaction,secrets",
            "object true",
            "true",
            // Built natively, it still looks like an ordinary object.
            "true [object Object] [object Object]",
            "true true true",
        ]
    );
}

#[test]
fn whole_event_serialises_and_spreads_with_every_field() {
    let lines = console_of(
        r#"
        const copy = JSON.parse(JSON.stringify(event));
        console.log(JSON.stringify(copy.transaction));
        console.log(Object.keys({ ...event }).join(','));
        console.log(JSON.stringify(Object.entries(event).map(([k]) => k)));
        const { user, request } = event;
        console.log(user.email, request.ip);
        "#,
    );
    assert_eq!(
        lines,
        [
            r#"{"id":"tx-1","requested_scopes":["openid"],"metadata":{}}"#,
            "user,client,request,transaction,secrets",
            r#"["user","client","request","transaction","secrets"]"#,
            "ada@example.com 203.0.113.10",
        ]
    );
}

#[test]
fn a_read_field_becomes_a_data_property_and_keeps_its_identity() {
    let lines = console_of(
        r#"
        const before = Object.getOwnPropertyDescriptor(event, 'client');
        const client = event.client;
        const after = Object.getOwnPropertyDescriptor(event, 'client');
        console.log(typeof before.get, 'value' in after, after.writable, after.enumerable, after.configurable);
        console.log(event.client === client);
        client.name = 'changed';
        console.log(event.client.name);
        "#,
    );
    assert_eq!(lines, ["function true true true true", "true", "changed"]);
}

#[test]
fn fields_can_be_assigned_deleted_and_added() {
    let lines = console_of(
        r#"
        event.user = { user_id: 'replaced' };
        delete event.client;
        event.extra = 1;
        console.log(event.user.user_id, 'client' in event, event.client);
        console.log(Object.keys(event).join(','));
        console.log(JSON.stringify(Object.getOwnPropertyDescriptor(event, 'user')));
        "#,
    );
    assert_eq!(
        lines,
        [
            "replaced false undefined",
            "user,request,transaction,secrets,extra",
            r#"{"value":{"user_id":"replaced"},"writable":true,"enumerable":true,"configurable":true}"#,
        ]
    );
}

#[test]
fn a_frozen_event_still_reads_every_field() {
    let lines = console_of(
        r#"
        Object.freeze(event);
        console.log(event.user.user_id, event.user === event.user, Object.isFrozen(event));
        console.log(JSON.stringify(event.request.query));
        "#,
    );
    assert_eq!(lines, ["auth0|user-1 true true", r#"{"state":"abc"}"#]);
}

#[test]
fn objects_inheriting_from_the_event_read_its_fields() {
    let lines = console_of(
        r#"
        const child = Object.create(event);
        console.log(child.user.user_id, child.request.hostname);
        "#,
    );
    assert_eq!(lines, ["auth0|user-1 tenant.example.com"]);
}

#[test]
fn changes_to_one_executions_event_do_not_reach_the_next() {
    // The same prepared event is handed to both executions; the first mutates its copy deeply,
    // keeps a reference in module scope, and the second must still see the original values.
    let code = r#"
        let previous = null;
        exports.onExecutePostLogin = async (event, api) => {
          console.log(event.user.app_metadata.visits === undefined ? 'fresh' : 'leaked');
          console.log(previous === null ? 'first' : String(previous === event) + ' ' + String(previous.user === event.user));
          event.user.app_metadata.visits = 1;
          event.client.name = 'mutated';
          delete event.request;
          previous = event;
        };
    "#;
    let (mut inst, clock) = instance(code);
    let spec = post_login();
    let first = run(&mut inst, &clock, spec.clone());
    expect_completed(&first);
    assert_eq!(console_texts(&first), ["fresh", "first"]);
    let second = run(&mut inst, &clock, spec);
    expect_completed(&second);
    assert_eq!(console_texts(&second), ["fresh", "false false"]);
}

#[test]
fn an_event_kept_from_an_earlier_execution_still_reads_its_unread_fields() {
    // Fields the first execution never read stay readable after it ended.
    let code = r#"
        let kept = null;
        exports.onExecutePostLogin = async (event, api) => {
          if (kept === null) { kept = event; return; }
          console.log(kept.client.client_id, kept.request.ip);
        };
    "#;
    let (mut inst, clock) = instance(code);
    expect_completed(&run(&mut inst, &clock, post_login()));
    let second = run(&mut inst, &clock, post_login());
    expect_completed(&second);
    assert_eq!(console_texts(&second), ["client-1 203.0.113.10"]);
}

#[test]
fn the_transaction_metadata_object_exists_even_without_a_transaction() {
    let code = r#"
        exports.onExecutePostLogin = async (event, api) => {
          console.log(JSON.stringify(event.transaction));
          api.transaction.setMetadata('k', 'v');
          console.log(JSON.stringify(event.transaction.metadata));
        };
    "#;
    let (mut inst, clock) = instance(code);
    let report = run(
        &mut inst,
        &clock,
        post_login_with(json!({ "user": { "user_id": "auth0|x" } })),
    );
    expect_completed(&report);
    assert_eq!(
        console_texts(&report),
        [r#"{"metadata":{}}"#, r#"{"k":"v"}"#]
    );
}

#[test]
fn what_an_execution_makes_looks_the_same_on_every_execution_of_an_instance() {
    // From its second execution on, an instance keeps the shapes of the objects each execution
    // makes (the event, the api parts, cache records, jwt-decode's copies: prelude.js
    // keepShapes). Nothing of that may show: the same property names, order and attributes,
    // and the same behaviour, on the first, second and later executions.
    let code = r#"
        const jwtDecode = require('jwt-decode');
        const token = 'e30.' + Buffer.from(JSON.stringify({ sub: 'u', exp: 4102444800, n: 1 })).toString('base64url') + '.s';
        const describe = (o) => Reflect.ownKeys(o).map((k) => {
          const d = Object.getOwnPropertyDescriptor(o, k);
          return `${String(k)}:${'value' in d ? 'v' : 'a'}${d.writable ? 'w' : ''}${d.enumerable ? 'e' : ''}${d.configurable ? 'c' : ''}`;
        }).join(',');
        exports.onExecutePostLogin = async (event, api) => {
          api.cache.set('k', 'v');
          const record = api.cache.get('k');
          const payload = jwtDecode(token);
          payload.extra = true;
          console.log(describe(event));
          console.log(describe(record), JSON.stringify(record));
          console.log(describe(payload), JSON.stringify(jwtDecode(token)));
          console.log(describe(api), Object.getPrototypeOf(api.cache) === Object.getPrototypeOf(api.cache));
          console.log(event.user.user_id, Object.keys(event).length, Object.isExtensible(event));
          api.idToken.setCustomClaim('https://x/n', 1);
        };
    "#;
    let (mut inst, clock) = instance(code);
    let reports: Vec<_> = (0..4)
        .map(|_| run(&mut inst, &clock, post_login()))
        .collect();
    for report in &reports {
        expect_completed(report);
    }
    let first = console_texts(&reports[0]);
    assert_eq!(first.len(), 5);
    assert!(
        first[2].starts_with("sub:vwec,exp:vwec,n:vwec,extra:vwec "),
        "{}",
        first[2]
    );
    assert!(
        first[1].starts_with("value:vwec,expires_at:vwec "),
        "{}",
        first[1]
    );
    for later in &reports[1..] {
        assert_eq!(console_texts(later), first);
    }
}

#[test]
fn events_of_changing_layouts_on_one_instance_each_show_their_own_fields() {
    // The instance keeps the shapes of its events' layout (and rebuilds that a few times when
    // the layout changes): events with and without a field, alternating, each show exactly
    // their own fields, in order, with their values.
    let code = r#"
        exports.onExecutePostLogin = async (event, api) => {
          console.log(Object.keys(event).join(','), event.organization ? event.organization.id : '-', event.user.user_id);
        };
    "#;
    let (mut inst, clock) = instance(code);
    let mut with_org = post_login_event();
    with_org["organization"] = json!({ "id": "org-1" });
    with_org["user"]["user_id"] = json!("auth0|user-2");
    for round in 0..6 {
        let (event, expected) = if round % 2 == 0 {
            (
                post_login_event(),
                "user,client,request,transaction,secrets - auth0|user-1",
            )
        } else {
            (
                with_org.clone(),
                "user,client,request,transaction,organization,secrets org-1 auth0|user-2",
            )
        };
        let report = run(&mut inst, &clock, post_login_with(event));
        expect_completed(&report);
        assert_eq!(console_texts(&report), [expected], "round {round}");
    }
}

#[test]
fn an_action_that_tampers_with_its_api_prototypes_still_runs_every_execution() {
    // Keeping shapes (at the second execution) constructs api parts itself: it must use its own
    // classes, not whatever an action put on their prototypes, and never fail an execution.
    let code = r#"
        exports.onExecutePostLogin = async (event, api) => {
          Object.getPrototypeOf(api.cache).constructor = function () { throw new Error('tampered'); };
          Object.getPrototypeOf(api).constructor = null;
          console.log(api.cache.get('k') === undefined, api.idToken.setCustomClaim('https://x/c', 1) === api);
        };
    "#;
    let (mut inst, clock) = instance(code);
    for round in 0..3 {
        let report = run(&mut inst, &clock, post_login());
        expect_completed(&report);
        assert_eq!(console_texts(&report), ["true true"], "round {round}");
    }
}

#[test]
fn built_ins_an_action_replaces_never_reach_actsim_s_own_objects() {
    // From the second execution on, the instance keeps object shapes with keeper objects (and
    // sets its contexts' fields). Replaced built-ins and setters an action puts on the
    // prototypes must never be handed one of actsim's objects (a context's prototype would let
    // it fake an outcome), and must not break an execution.
    let code = r#"
        // A record that no setter below can intercept: no prototype, written by index.
        const reached = Object.create(null);
        let count = 0;
        const note = (what) => { reached[count++] = what; };
        const realKeys = Object.keys;
        Object.keys = function keys(o) { note('keys'); return realKeys(o); };
        const realPush = Array.prototype.push;
        Array.prototype.push = function push(...items) { note('push'); return realPush.apply(this, items); };
        for (const k of ['0', '1', '2', '3', '4', '12']) {
          Object.defineProperty(Array.prototype, k, { set(v) { note('array ' + k); }, configurable: true });
        }
        for (const k of ['execId', 'event', 'api', 'get', 'value']) {
          Object.defineProperty(Object.prototype, k, { set(v) { note('object ' + k); }, configurable: true });
        }
        exports.onExecutePostLogin = async (event, api) => {
          api.cache.get('k');
          api.idToken.setCustomClaim('https://x/c', 1);
          let seen = '';
          for (let i = 0; i < count; i++) seen += reached[i] + ';';
          count = 0;
          console.log(seen === '' ? 'nothing reached' : seen);
        };
    "#;
    let (mut inst, clock) = instance(code);
    for round in 0..4 {
        let report = run(&mut inst, &clock, post_login());
        expect_completed(&report);
        assert!(
            !format!("{:?}", report.outcome).contains("denied: true"),
            "{:?}",
            report.outcome
        );
        assert_eq!(console_texts(&report), ["nothing reached"], "round {round}");
    }
}

#[test]
fn an_array_setter_that_throws_does_not_stop_later_executions() {
    // The event's shape keepers (made at the second execution) are held by the host, not set
    // into a JavaScript array, so a throwing setter on Array.prototype changes nothing.
    let code = r#"
        Object.defineProperty(Array.prototype, '0', { set(v) { throw new Error('tampered'); }, configurable: true });
        exports.onExecutePostLogin = async (event, api) => {
          console.log(event.user.user_id);
        };
    "#;
    let (mut inst, clock) = instance(code);
    for round in 0..3 {
        let report = run(&mut inst, &clock, post_login());
        expect_completed(&report);
        assert_eq!(console_texts(&report), ["auth0|user-1"], "round {round}");
    }
}
