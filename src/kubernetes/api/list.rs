//! Reading a whole list from the API server a page at a time (`limit` and `continue`), so
//! that no answer grows with the cluster and a large one is read in bounded pieces.

use hyper::Method;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::client::Api;
use super::refusal::{Asked, refusal};
use crate::error::Error;

/// Items per page; the server may send fewer.
const PAGE: usize = 250;
/// Pages read at most: 250 000 objects, far past any cluster, and a bound on a server that
/// keeps answering `continue`.
const MAX_PAGES: usize = 1000;

#[derive(Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
    #[serde(default)]
    metadata: ListMeta,
}

#[derive(Default, Deserialize)]
struct ListMeta {
    #[serde(default, rename = "continue")]
    next: Option<String>,
}

/// A query parameter's value, encoded for the request line.
pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

/// Every item of the list at `path`, `query` (encoded, may be empty) added to each request.
pub async fn all<T: DeserializeOwned>(
    api: &Api<'_>,
    asked: &Asked<'_>,
    path: &str,
    query: &str,
) -> Result<Vec<T>, Error> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut target = format!("{path}?limit={PAGE}");
        if !query.is_empty() {
            target.push('&');
            target.push_str(query);
        }
        if let Some(token) = &next {
            target.push_str("&continue=");
            target.push_str(&encode(token));
        }
        let answer = api.send(asked.place, Method::GET, &target, None).await?;
        if !answer.status.is_success() {
            return Err(refusal(asked, answer.status.as_u16(), &answer.body));
        }
        let page: Page<T> = api.parse(asked.place, &answer)?;
        items.extend(page.items);
        match page.metadata.next {
            Some(token) if !token.is_empty() => next = Some(token),
            _ => return Ok(items),
        }
    }
    Err(Error::KubeUnreachable {
        place: asked.place.to_owned(),
        server: api.server.to_owned(),
        cause: format!("the list did not end after {MAX_PAGES} pages"),
    })
}
