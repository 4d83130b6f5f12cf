//! `actsim-cache`: the pure-Rust model of Auth0 Actions' `api.cache`.
//!
//! This crate owns the behaviour of one cache store (one per simulated instance and trigger):
//! the documented limits ([`CacheLimits`]), the lifetime rules (`ttl` / `expires_at`, default and
//! maximum lifetime), the exact production error codes ([`CacheErrorCode`]) and the order in
//! which `set` validates its input (see [`CacheStore::set`]). Sizes are counted as Node's
//! `Buffer.byteLength` counts them, a lone surrogate's stand-in as 3 bytes ([`byte_len`]).
//!
//! It has no JavaScript, no I/O and no clock: every time-dependent method takes `now_ms`
//! (milliseconds since the Unix epoch) from the caller, and all iteration is in key order, so a
//! run is fully deterministic.
//!
//! ```
//! use actsim_cache::{CacheErrorCode, CacheLimits, CacheStore, SetOptions};
//!
//! let mut store = CacheStore::new(CacheLimits::default());
//! let now = 1_700_000_000_000;
//! let rec = store.set("token", "abc", &SetOptions::ttl(60_000.0), now).unwrap();
//! assert_eq!(rec.expires_at, now + 60_000);
//! assert_eq!(store.get("token", now + 60_000).map(|r| r.value), Some("abc".to_string()));
//! assert_eq!(store.get("token", now + 60_001), None);
//! assert_eq!(
//!     store.set(&"k".repeat(65), "v", &SetOptions::default(), now),
//!     Err(CacheErrorCode::CacheKeySizeExceeded)
//! );
//! ```

#![forbid(unsafe_code)]

mod capacity;
mod error;
mod expiry;
mod limits;
mod record;
mod size;
mod store;

pub use error::{CacheErrorCode, ParseCacheErrorCodeError};
pub use limits::{CacheLimits, OverMaxLifetime, WhenFull, MAX_SAFE_INTEGER};
pub use record::{CacheRecord, SetOptions};
pub use size::{byte_len, is_stand_in, FIRST_STAND_IN};
pub use store::CacheStore;
