//! The `q` parameter of `GET /api/v2/users` (`search_engine=v3`): a subset of the Lucene query
//! syntax Auth0's user search accepts, parsed into a [`Query`] and matched against user objects.
//!
//! Supported:
//! - `field:value` and `field:"quoted value"`; dotted paths into objects and arrays
//!   (`app_metadata.plan:pro`, `identities.connection:Username-Password-Authentication`);
//! - a value without a field, matched against `user_id`, `email`, `name`, `nickname`,
//!   `given_name`, `family_name` and `username`;
//! - `*` as a wildcard anywhere in an unquoted value (`name:jo*`, `email:*@example.com`);
//! - `_exists_:field`;
//! - `AND`, `OR`, `NOT` (and `&&`, `||`, `-term`), parentheses; terms side by side are joined
//!   with `OR`, Lucene's default operator.
//!
//! Values match case-insensitively; numbers and booleans by their JSON text; an array matches
//! when any element does. Anything else (ranges `[a TO b]`, fuzzy `~`, boosts `^`, regular
//! expressions) is a [`SearchError`] that names what is not supported.

use serde_json::Value;

/// Fields a bare value (without `field:`) is matched against.
const DEFAULT_FIELDS: [&str; 7] = [
    "user_id",
    "email",
    "name",
    "nickname",
    "given_name",
    "family_name",
    "username",
];

/// Longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 4096;

/// Deepest nesting of parentheses and `NOT` accepted.
const MAX_DEPTH: usize = 32;

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// `field:value` (`field` `None` for a bare value).
    Term {
        /// Dotted path, or `None` for the default fields.
        field: Option<String>,
        /// The value, lower-cased.
        value: String,
        /// Whether `*` in `value` is a wildcard (unquoted values).
        wildcard: bool,
    },
    /// `_exists_:field`.
    Exists(String),
    /// Both sides match.
    And(Box<Query>, Box<Query>),
    /// Either side matches.
    Or(Box<Query>, Box<Query>),
    /// The inner query does not match.
    Not(Box<Query>),
}

/// Why a query could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SearchError(pub String);

/// Parses `q`.
pub fn parse(q: &str) -> Result<Query, SearchError> {
    if q.len() > MAX_QUERY_BYTES {
        return Err(SearchError(format!(
            "the query is longer than {MAX_QUERY_BYTES} bytes"
        )));
    }
    let tokens = tokenize(q)?;
    let mut parser = Parser { tokens, pos: 0 };
    let query = parser.or(0)?;
    match parser.tokens.get(parser.pos) {
        None => Ok(query),
        Some(t) => Err(SearchError(format!("unexpected {}", t.describe()))),
    }
}

/// Whether `user` matches `query`.
pub fn matches(query: &Query, user: &Value) -> bool {
    match query {
        Query::Term {
            field: Some(field),
            value,
            wildcard,
        } => lookup(user, field)
            .iter()
            .any(|v| value_matches(v, value, *wildcard)),
        Query::Term {
            field: None,
            value,
            wildcard,
        } => DEFAULT_FIELDS.iter().any(|f| {
            lookup(user, f)
                .iter()
                .any(|v| value_matches(v, value, *wildcard))
        }),
        Query::Exists(field) => lookup(user, field).iter().any(|v| !v.is_null()),
        Query::And(a, b) => matches(a, user) && matches(b, user),
        Query::Or(a, b) => matches(a, user) || matches(b, user),
        Query::Not(a) => !matches(a, user),
    }
}

/// The values at a dotted path; arrays on the way fan out.
fn lookup<'v>(value: &'v Value, path: &str) -> Vec<&'v Value> {
    let mut current = vec![value];
    for part in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            match v {
                Value::Object(map) => next.extend(map.get(part)),
                Value::Array(items) => next.extend(items.iter().filter_map(|i| i.get(part))),
                _ => {}
            }
        }
        current = next;
    }
    // A leaf array matches when any element does.
    current
        .into_iter()
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        })
        .collect()
}

fn value_matches(v: &Value, wanted: &str, wildcard: bool) -> bool {
    let text = match v {
        Value::String(s) => s.to_lowercase(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return false,
    };
    if wildcard && wanted.contains('*') {
        glob(wanted.as_bytes(), text.as_bytes())
    } else {
        text == wanted
    }
}

/// `*`-only glob matching, iterative with one backtrack point (linear in practice, never
/// exponential).
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    /// `field:` prefix already split: (field, value, quoted).
    Term(Option<String>, String, bool),
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Open => "'('".to_string(),
            Token::Close => "')'".to_string(),
            Token::And => "AND".to_string(),
            Token::Or => "OR".to_string(),
            Token::Not => "NOT".to_string(),
            Token::Term(Some(f), v, _) => format!("'{f}:{v}'"),
            Token::Term(None, v, _) => format!("'{v}'"),
        }
    }
}

fn unsupported(what: &str) -> SearchError {
    SearchError(format!(
        "{what} is not supported by actsim's user search (supported: field:value, \"quoted\", * wildcards, _exists_, AND/OR/NOT, parentheses)"
    ))
}

fn tokenize(q: &str) -> Result<Vec<Token>, SearchError> {
    let chars: Vec<char> = q.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            '[' | '{' | ']' | '}' => return Err(unsupported("a range query")),
            '~' | '^' => return Err(unsupported(&format!("'{c}'"))),
            '&' | '|' if chars.get(i + 1) == Some(&c) => {
                tokens.push(if c == '&' { Token::And } else { Token::Or });
                i += 2;
            }
            '-' | '!' => {
                tokens.push(Token::Not);
                i += 1;
            }
            '"' => {
                let (value, next) = quoted(&chars, i)?;
                tokens.push(Token::Term(None, value, true));
                i = next;
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '(' | ')' | ':' | '"')
                {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let word: String = unescape(&chars[start..i.min(chars.len())]);
                if chars.get(i) == Some(&':') {
                    i += 1;
                    let field = word;
                    if field.is_empty() {
                        return Err(SearchError("a ':' without a field name".to_string()));
                    }
                    match chars.get(i) {
                        Some('"') => {
                            let (value, next) = quoted(&chars, i)?;
                            tokens.push(Token::Term(Some(field), value, true));
                            i = next;
                        }
                        Some('[' | '{') => return Err(unsupported("a range query")),
                        Some('/') => return Err(unsupported("a regular expression")),
                        Some('(') => return Err(unsupported("a grouped field value")),
                        _ => {
                            let start = i;
                            while i < chars.len()
                                && !chars[i].is_whitespace()
                                && !matches!(chars[i], '(' | ')')
                            {
                                if chars[i] == '\\' {
                                    i += 1;
                                }
                                i += 1;
                            }
                            let value = unescape(&chars[start..i.min(chars.len())]);
                            if value.is_empty() {
                                return Err(SearchError(format!("no value after '{field}:'")));
                            }
                            if value.contains(['~', '^']) {
                                return Err(unsupported("fuzzy or boosted terms"));
                            }
                            tokens.push(Token::Term(Some(field), value, false));
                        }
                    }
                } else {
                    match word.as_str() {
                        "AND" => tokens.push(Token::And),
                        "OR" => tokens.push(Token::Or),
                        "NOT" => tokens.push(Token::Not),
                        _ => tokens.push(Token::Term(None, word, false)),
                    }
                }
            }
        }
    }
    Ok(tokens)
}

fn unescape(chars: &[char]) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for &c in chars {
        if escaped || c != '\\' {
            out.push(c);
            escaped = false;
        } else {
            escaped = true;
        }
    }
    out
}

/// Reads a `"…"` string starting at `chars[start] == '"'`; returns it and the index after it.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize), SearchError> {
    let mut out = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '"' => return Ok((out, i + 1)),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err(SearchError("a quoted value is not closed".to_string()))
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn or(&mut self, depth: usize) -> Result<Query, SearchError> {
        let mut left = self.and(depth)?;
        loop {
            match self.peek() {
                Some(Token::Or) => {
                    self.pos += 1;
                    let right = self.and(depth)?;
                    left = Query::Or(Box::new(left), Box::new(right));
                }
                // Implicit operator: OR, as Lucene's default.
                Some(Token::Open | Token::Not | Token::Term(..)) => {
                    let right = self.and(depth)?;
                    left = Query::Or(Box::new(left), Box::new(right));
                }
                _ => return Ok(left),
            }
        }
    }

    fn and(&mut self, depth: usize) -> Result<Query, SearchError> {
        let mut left = self.unary(depth)?;
        while self.peek() == Some(&Token::And) {
            self.pos += 1;
            let right = self.unary(depth)?;
            left = Query::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Query, SearchError> {
        if depth > MAX_DEPTH {
            return Err(SearchError(format!(
                "the query nests deeper than {MAX_DEPTH} levels"
            )));
        }
        let Some(token) = self.tokens.get(self.pos).cloned() else {
            return Err(SearchError(
                "the query ends where a term is expected".to_string(),
            ));
        };
        self.pos += 1;
        match token {
            Token::Not => Ok(Query::Not(Box::new(self.unary(depth + 1)?))),
            Token::Open => {
                let inner = self.or(depth + 1)?;
                if self.peek() != Some(&Token::Close) {
                    return Err(SearchError("a '(' is not closed".to_string()));
                }
                self.pos += 1;
                Ok(inner)
            }
            Token::Term(Some(field), value, _) if field == "_exists_" => Ok(Query::Exists(value)),
            Token::Term(field, value, quoted) => Ok(Query::Term {
                field,
                value: value.to_lowercase(),
                wildcard: !quoted,
            }),
            other => Err(SearchError(format!(
                "unexpected {} where a term is expected",
                other.describe()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jane() -> Value {
        json!({
            "user_id": "auth0|1", "email": "Jane@Example.com", "name": "Jane Smith",
            "email_verified": true, "logins_count": 3,
            "app_metadata": {"plan": "pro", "tags": ["a", "b"]},
            "identities": [{"connection": "Username-Password-Authentication"}]
        })
    }

    fn hit(q: &str) -> bool {
        matches(&parse(q).unwrap(), &jane())
    }

    #[test]
    fn fields_values_wildcards_and_operators() {
        assert!(hit("email:\"jane@example.com\""));
        assert!(hit("email:*@example.com"));
        assert!(!hit("email:*@example.org"));
        assert!(hit("name:jane*"));
        assert!(hit("app_metadata.plan:pro"));
        assert!(hit("app_metadata.tags:b"));
        assert!(hit(
            "identities.connection:\"Username-Password-Authentication\""
        ));
        assert!(hit("email_verified:true AND logins_count:3"));
        assert!(!hit("email_verified:false AND logins_count:3"));
        assert!(hit("email_verified:false OR logins_count:3"));
        assert!(hit("email_verified:false logins_count:3"), "implicit OR");
        assert!(hit("NOT app_metadata.plan:free"));
        assert!(hit("-app_metadata.plan:free"));
        assert!(hit(
            "(name:x OR name:\"jane smith\") AND _exists_:app_metadata.plan"
        ));
        assert!(!hit("_exists_:user_metadata"));
        assert!(hit("jane*"), "bare value: default fields");
        assert!(hit("\"auth0|1\""));
    }

    #[test]
    fn unsupported_and_malformed_queries_are_errors() {
        for q in [
            "logins_count:[1 TO 5]",
            "name:jane~",
            "(name:a",
            "name:\"open",
            "AND",
            "name:",
            ":x",
        ] {
            assert!(parse(q).is_err(), "{q}");
        }
        let deep = format!("{}name:a{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).is_err());
        assert!(parse(&"a ".repeat(3000)).is_err());
    }

    #[test]
    fn glob_is_linear_on_hostile_patterns() {
        let text = "a".repeat(2000);
        let pattern = format!("{}b", "*a".repeat(500));
        assert!(!glob(pattern.as_bytes(), text.as_bytes()));
        assert!(glob(b"*", b""));
        assert!(glob(b"a*c", b"abbbc"));
        assert!(!glob(b"a*c", b"abbb"));
    }
}
