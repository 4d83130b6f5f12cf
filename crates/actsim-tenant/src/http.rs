//! Transport-neutral HTTP request/response values and the small parsing helpers the endpoints
//! share (header lookup, path/query split, percent-decoding, form bodies, media types).

use serde_json::Value;

/// An HTTP request as the tenant sees it. Header names are matched case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method, e.g. `GET`, `POST`, `PATCH` (matched exactly, as HTTP methods are case-sensitive).
    pub method: String,
    /// Origin-form target such as `/oauth/token` or `/api/v2/users/auth0%7C1?fields=email`.
    /// An absolute-form target (`https://host/path`) is also accepted; its scheme and host are
    /// ignored.
    pub path_and_query: String,
    /// Header name/value pairs in arrival order.
    pub headers: Vec<(String, String)>,
    /// Raw body bytes.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A request with no headers and an empty body.
    pub fn new(method: impl Into<String>, path_and_query: impl Into<String>) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            path_and_query: path_and_query.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> HttpRequest {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body (builder style).
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> HttpRequest {
        self.body = body.into();
        self
    }

    /// Value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The path without query string, and without scheme and host for an absolute-form target.
    pub fn path(&self) -> &str {
        let target = strip_scheme_and_host(&self.path_and_query);
        match target.split_once('?') {
            Some((path, _)) => path,
            None => target,
        }
    }

    /// The raw query string (after `?`), if any.
    pub fn query(&self) -> Option<&str> {
        strip_scheme_and_host(&self.path_and_query)
            .split_once('?')
            .map(|(_, q)| q)
    }
}

fn strip_scheme_and_host(target: &str) -> &str {
    let rest = target
        .strip_prefix("https://")
        .or_else(|| target.strip_prefix("http://"));
    match rest {
        Some(after_scheme) => match after_scheme.find(['/', '?']) {
            Some(i) => after_scheme.get(i..).unwrap_or("/"),
            None => "/",
        },
        None => target,
    }
}

/// An HTTP response produced by the tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header name/value pairs (names in lower case).
    pub headers: Vec<(String, String)>,
    /// Body bytes (JSON for every endpoint of the tenant).
    pub body: Vec<u8>,
    /// Extra latency, in milliseconds, that the transport applies before delivering the response
    /// (from `latency` faults; 0 = none). A real HTTP server sleeps; a simulator advances its
    /// virtual clock.
    pub latency_ms: u64,
    /// The request times out: a transport must not deliver this response. A simulator turns it
    /// into a network timeout at the client's deadline; a real HTTP transport holds the request
    /// for `latency_ms` and then sends this response (a 504), by which time the client has
    /// normally given up.
    pub timeout: bool,
}

impl HttpResponse {
    /// A response with a JSON body and `content-type: application/json`.
    pub fn from_json(status: u16, body: &Value) -> HttpResponse {
        // Straight into the bytes: the compact text of `Display` and `serde_json::to_vec`.
        HttpResponse::from_json_text(status, crate::json_text::to_vec(body))
    }

    /// A response with `body`, JSON text already written, and `content-type: application/json`.
    pub(crate) fn from_json_text(status: u16, body: Vec<u8>) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".to_string(), "application/json".to_string())],
            body,
            latency_ms: 0,
            timeout: false,
        }
    }

    /// Adds a header (builder style).
    pub fn with_header(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> HttpResponse {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The body parsed as JSON, or `None` if it is not valid JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body as UTF-8 text, or `None` if it is not valid UTF-8.
    pub fn body_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The media type of a `Content-Type` value, lower-cased and without parameters
/// (`"Application/JSON; charset=utf-8"` → `"application/json"`).
pub(crate) fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Percent-decodes `input`. With `plus_as_space`, `+` becomes a space (form encoding). Malformed
/// escapes are kept literally.
pub(crate) fn percent_decode(input: &[u8], plus_as_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%' {
            let hi = input.get(i + 1).copied().and_then(hex_value);
            let lo = input.get(i + 2).copied().and_then(hex_value);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
            out.push(b);
        } else if b == b'+' && plus_as_space {
            out.push(b' ');
        } else {
            out.push(b);
        }
        i += 1;
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses an `application/x-www-form-urlencoded` body into name/value pairs in order.
///
/// Fails only when a decoded name or value is not UTF-8.
pub(crate) fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, ()> {
    let mut pairs = Vec::new();
    for part in body.split(|b| *b == b'&') {
        if part.is_empty() {
            continue;
        }
        let (name, value) = match part.iter().position(|b| *b == b'=') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &[][..]),
        };
        let name = String::from_utf8(percent_decode(name, true)).map_err(|_| ())?;
        let value = String::from_utf8(percent_decode(value, true)).map_err(|_| ())?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_handles_plus_and_bad_escapes() {
        assert_eq!(percent_decode(b"a%7Cb+c", true), b"a|b c");
        assert_eq!(percent_decode(b"a+b", false), b"a+b");
        assert_eq!(percent_decode(b"%zz%4", true), b"%zz%4");
        assert_eq!(percent_decode(b"%", true), b"%");
    }

    #[test]
    fn form_parsing_keeps_order_and_rejects_bad_utf8() {
        let pairs = parse_form(b"a=1&&b=x%20y&c").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "x y".to_string()),
                ("c".to_string(), String::new()),
            ]
        );
        assert!(parse_form(b"a=%FF").is_err());
    }

    #[test]
    fn path_and_query_split_and_absolute_form() {
        let r = HttpRequest::new("GET", "/x/y?z=1");
        assert_eq!((r.path(), r.query()), ("/x/y", Some("z=1")));
        let r = HttpRequest::new("GET", "https://tenant.actsim.test/oauth/token?q");
        assert_eq!((r.path(), r.query()), ("/oauth/token", Some("q")));
        let r = HttpRequest::new("GET", "http://host");
        assert_eq!(r.path(), "/");
    }

    #[test]
    fn media_type_strips_parameters() {
        assert_eq!(
            media_type("Application/JSON ; charset=UTF-8"),
            "application/json"
        );
    }
}
