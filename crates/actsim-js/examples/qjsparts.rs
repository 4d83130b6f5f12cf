use rquickjs::{Context, Runtime};
use std::time::Instant;
fn main() {
    let ev = std::fs::read_to_string("fixtures/events/post-login.json").unwrap();
    let rt = Runtime::new().unwrap();
    rt.set_gc_threshold(8 << 20);
    let ctx = Context::full(&rt).unwrap();
    ctx.with(|ctx| {
        ctx.globals().set("EV", ev.clone()).unwrap();
        let _: () = ctx.eval(r#"
          globalThis.PARSED = JSON.parse(EV);
          globalThis.tok = 'eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDAsInN1YiI6IngifQ.sig';
          globalThis.clone = function c(v){ if (v===null||typeof v!=='object') return v; if (Array.isArray(v)) return v.map(c); const o={}; for (const k in v) o[k]=c(v[k]); return o; };
          globalThis.mkapi = function(execId){ const api={}; api.access={deny(){}}; api.idToken={setCustomClaim(k,v){}}; api.accessToken={setCustomClaim(){}, addScope(){}, removeScope(){}}; api.user={setAppMetadata(){}, setUserMetadata(){}}; api.multifactor={enable(){}}; api.transaction={setMetadata(){}}; api.validation={error(){}}; api.redirect={sendUserTo(){}, encodeToken(){}, validateToken(){}}; api.cache=Object.freeze({get(){}, set(){}, delete(){}}); return api; };
          globalThis.h = async (event, api) => { let t = tok; api.idToken.setCustomClaim('x', Boolean(t)); };
        "#).unwrap();
        let cases = [
            ("JSON.parse(event)", "JSON.parse(EV)"),
            ("js deep clone", "clone(PARSED)"),
            ("mkapi", "mkapi(1)"),
            ("jwt parts", "JSON.parse(atob(tok.split('.')[1].replace(/-/g,'+').replace(/_/g,'/')))"),
            ("async call", "h({}, {idToken:{setCustomClaim(){}}}).then(()=>{})"),
            ("empty", "0"),
            ("JSON.stringify(['a',true])", "JSON.stringify(['a',true])"),
        ];
        for (name, expr) in cases {
            let n = 20000;
            let f: rquickjs::Function = ctx.eval(format!("(function(n){{ for (let i=0;i<n;i++) {{ {expr}; }} }})")).unwrap();
            let t = Instant::now();
            let _: () = f.call((n,)).unwrap();
            while ctx.execute_pending_job() {}
            println!("{name}: {:.2} us", t.elapsed().as_secs_f64()*1e6/n as f64);
        }
    });
}
