//! The client's typed calls over the transport: a JSON GET, a paginated list, writes,
//! and creates that are never sent blindly twice.

use super::client::Client;
use super::clock::human_duration;
use super::decode;
use super::engine::{Failure, Method, Req, Resp};
use super::error::Error;
use super::log::short_cause;
use super::types::Created;
use super::urls::{origin, path_and_query};
use serde::de::DeserializeOwned;

impl Client {
    /// Send `req` through the transport.
    pub(crate) fn run(&self, req: &Req) -> Result<Resp, Failure> {
        self.transport.run(req)
    }

    /// Read the answer to `req`, scrubbed of the token.
    pub(crate) fn decode<T: DeserializeOwned>(&self, req: &Req, body: &str) -> Result<T, Error> {
        decode::json(&req.display(), body, self.transport.token())
    }

    /// GET one JSON document.
    pub(crate) fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        use_cache: bool,
    ) -> Result<T, Error> {
        let req = Req {
            method: Method::Get,
            url: self.url(path),
            body: None,
            idempotent: true,
            use_cache,
        };
        let resp = self.run(&req).map_err(Failure::into_error)?;
        self.decode(&req, &resp.body)
    }

    /// GET a list, following `rel="next"` links until there is none.
    pub(crate) fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        use_cache: bool,
    ) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        let mut url = self.url(path);
        let mut seen = std::collections::HashSet::new();
        loop {
            if !seen.insert(url.clone()) {
                return Err(Error::Decode {
                    request: format!("GET {}", path_and_query(&url)),
                    message: "the pagination links loop back to a page already read".into(),
                });
            }
            let req = Req {
                method: Method::Get,
                url: url.clone(),
                body: None,
                idempotent: true,
                use_cache,
            };
            let resp = self.run(&req).map_err(Failure::into_error)?;
            let page: Vec<T> = self.decode(&req, &resp.body)?;
            items.extend(page);
            match resp.next {
                Some(next) => {
                    if origin(&next).as_deref() != Some(self.transport.base_origin()) {
                        return Err(Error::Decode {
                            request: format!("GET {}", path_and_query(&url)),
                            message: format!(
                                "the next page is on another server ({}); not following it with the token",
                                origin(&next).unwrap_or_else(|| "an invalid URL".into())
                            ),
                        });
                    }
                    url = next;
                }
                None => return Ok(items),
            }
        }
    }

    /// Send a JSON body with an idempotent method (PATCH/PUT/DELETE, or a POST that is
    /// idempotent by nature) and decode the answer.
    pub(crate) fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl serde::Serialize>,
    ) -> Result<T, Error> {
        let req = self.write_req(method, path, body, true)?;
        let resp = self.run(&req).map_err(Failure::into_error)?;
        self.decode(&req, &resp.body)
    }

    /// Send a write whose answer body does not matter; `ok_404` makes a 404 a success
    /// (the thing to remove is gone already).
    pub(crate) fn send_no_content(
        &self,
        method: Method,
        path: &str,
        ok_404: bool,
        ok_404_after_unknown: bool,
    ) -> Result<(), Error> {
        let req = self.write_req::<()>(method, path, None, true)?;
        let before = self.stats().retries;
        match self.run(&req) {
            Ok(_) => Ok(()),
            Err(Failure::Final(e)) if e.is_not_found() => {
                // After a lost connection, a 404 on the retry means the first attempt
                // did the job.
                if ok_404 || (ok_404_after_unknown && self.stats().retries > before) {
                    Ok(())
                } else {
                    Err(e)
                }
            }
            Err(f) => Err(f.into_error()),
        }
    }

    pub(crate) fn write_req<B: serde::Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotent: bool,
    ) -> Result<Req, Error> {
        let body = match body {
            Some(b) => Some(serde_json::to_vec(b).map_err(|e| Error::Decode {
                request: format!("{} {path}", method.as_str()),
                message: format!("could not encode the request body: {e}"),
            })?),
            None => None,
        };
        Ok(Req {
            method,
            url: self.url(path),
            body,
            idempotent,
            use_cache: false,
        })
    }

    /// POST a create without ever sending it blindly twice.
    ///
    /// When an attempt's outcome is unknown (5xx, or the connection dropped after the
    /// request was sent), wait the back-off delay, then call `lookup`: if it finds the
    /// item, adopt it; if not, send the POST again (up to the retry policy's attempts).
    /// A `422 already_exists` after such an attempt also triggers the lookup.
    pub fn create_guarded<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl serde::Serialize,
        mut lookup: impl FnMut(&Client) -> Result<Option<T>, Error>,
    ) -> Result<Created<T>, Error> {
        let req = self.write_req(Method::Post, path, Some(body), false)?;
        let mut unknowns = 0u32;
        loop {
            match self.run(&req) {
                Ok(resp) => {
                    return Ok(Created {
                        item: self.decode(&req, &resp.body)?,
                        adopted: false,
                    });
                }
                Err(Failure::Final(e)) => {
                    if unknowns > 0
                        && e.is_already_exists()
                        && let Some(item) = lookup(self)?
                    {
                        self.transport.count_adopted();
                        return Ok(Created {
                            item,
                            adopted: true,
                        });
                    }
                    return Err(e);
                }
                Err(Failure::Unknown(e)) => {
                    unknowns += 1;
                    let delay = self.transport.backoff(unknowns);
                    self.transport.notify(&format!(
                        "{}: outcome unknown ({}); checking in {} whether it was created",
                        req.display(),
                        short_cause(&e, self.transport.platform()),
                        human_duration(delay)
                    ));
                    self.transport.sleep(delay);
                    if let Some(item) = lookup(self)? {
                        self.transport.count_adopted();
                        self.transport
                            .notify(&format!("{}: it was created; using it", req.display()));
                        return Ok(Created {
                            item,
                            adopted: true,
                        });
                    }
                    if unknowns >= self.transport.max_attempts() {
                        return Err(e);
                    }
                    self.transport.count_retry();
                }
            }
        }
    }
}
