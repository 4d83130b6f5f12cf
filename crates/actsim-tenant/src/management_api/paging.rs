//! Auth0's list paging: `page` (from 0), `per_page` (default 50, at most 100) and
//! `include_totals`, shared by every list route.

use serde_json::{json, Value};

use super::{query_error, query_param};
use crate::http::HttpResponse;

/// Default page size.
pub(crate) const DEFAULT_PER_PAGE: usize = 50;
/// Largest page size.
pub(crate) const MAX_PER_PAGE: usize = 100;

/// The paging parameters of a list request.
pub(crate) struct Paging {
    page: usize,
    per_page: usize,
    include_totals: bool,
}

impl Paging {
    /// Reads `page`, `per_page` and `include_totals` (400 on a value that is not a number or out
    /// of range). Without `page` and `per_page`, `default_all` lists every item (what Auth0 does
    /// for a user's roles); otherwise the page size defaults to 50.
    pub(crate) fn from_query(
        query: &[(String, String)],
        default_all: Option<usize>,
    ) -> Result<Paging, HttpResponse> {
        let number = |name: &str| -> Result<Option<usize>, HttpResponse> {
            match query_param(query, name) {
                None | Some("") => Ok(None),
                Some(v) => v.parse::<usize>().map(Some).map_err(|_| {
                    query_error(&format!(
                        "Expected type integer but found type string on property {name}."
                    ))
                }),
            }
        };
        let page = number("page")?;
        let per_page = number("per_page")?;
        if per_page.is_some_and(|n| n > MAX_PER_PAGE) {
            return Err(query_error(&format!(
                "Value is greater than the maximum of {MAX_PER_PAGE} on property per_page."
            )));
        }
        let per_page = match (page, per_page, default_all) {
            (None, None, Some(all)) => all.max(DEFAULT_PER_PAGE),
            (_, Some(n), _) => n,
            _ => DEFAULT_PER_PAGE,
        };
        let include_totals = match query_param(query, "include_totals") {
            None | Some("" | "false") => false,
            Some("true") => true,
            Some(_) => {
                return Err(query_error(
                    "Expected type boolean but found type string on property include_totals.",
                ))
            }
        };
        Ok(Paging {
            page: page.unwrap_or(0),
            per_page,
            include_totals,
        })
    }

    /// The index of the first item of the page.
    pub(crate) fn start(&self) -> usize {
        self.page.saturating_mul(self.per_page)
    }

    /// The index after the last item of the page.
    pub(crate) fn end(&self) -> usize {
        self.start().saturating_add(self.per_page)
    }

    /// The page of `all` as the response body: an array, or with `include_totals`
    /// `{start, limit, length, total, <key>: [...]}`.
    pub(crate) fn respond(&self, key: &str, all: Vec<Value>) -> HttpResponse {
        let total = all.len();
        let items: Vec<Value> = all
            .into_iter()
            .skip(self.start())
            .take(self.per_page)
            .collect();
        if self.include_totals {
            let mut body = json!({
                "start": self.start(),
                "limit": self.per_page,
                "length": items.len(),
                "total": total,
            });
            if let Value::Object(map) = &mut body {
                map.insert(key.to_string(), Value::Array(items));
            }
            HttpResponse::from_json(200, &body)
        } else {
            HttpResponse::from_json(200, &Value::Array(items))
        }
    }
}
